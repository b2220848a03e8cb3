import { deltas } from '../generator.js';
import { jsonDeltas, type ModelOutput, modelOutput } from '../model-output.js';
import { countTokens } from '../tokens.js';
import {
  chatTools,
  contentOf,
  numberOr,
  outputWish,
  promptTokens,
  requireModel,
  successHeaders,
} from './openai-wire.js';
import { BadRequest, objectBody, type SimContext, simId, sseData } from './provider.js';

/**
 * POST /v1/chat/completions, plain and streamed: prose, JSON for `response_format`, or a tool call
 * when `tool_choice` forces one.
 */
export async function chat(ctx: SimContext): Promise<void> {
  const body = objectBody(ctx.request.body);
  const model = requireModel(body);
  ctx.model(model);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new BadRequest("Missing required parameter: 'messages'.", 'messages');
  }
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const maxTokens = numberOr(body.max_completion_tokens, numberOr(body.max_tokens, undefined));
  const n = Math.min(8, Math.max(1, numberOr(body.n, 1) ?? 1));
  const promptText = messages.map((m) => `${String(m.role)}:${contentOf(m)}`).join('\n');
  const prompt = promptTokens(messages);
  const wish = outputWish(
    chatTools(body.tools),
    body.tool_choice,
    body.response_format,
    ctx.seed,
    promptText,
  );
  const choices = Array.from({ length: n }, (_, i) =>
    modelOutput(ctx.seed + i, model, promptText, maxTokens, wish),
  );
  const output = choices.reduce((sum, c) => sum + c.tokens, 0);
  const cached = cachedTokens(ctx, promptText, prompt);
  const id = simId('chatcmpl-', ctx.seed, ctx.seq);
  const created = Math.floor(ctx.now() / 1000);
  const headers = successHeaders(ctx, prompt + output);
  const callId = (index: number) => simId('call_', ctx.seed + index, ctx.seq);

  if (body.stream !== true) {
    ctx.charge({ input: prompt, output, cached });
    // Serialised from a template: this is the hot path of every benchmark that uses the simulator.
    const choiceJson = choices
      .map(
        (c, index) =>
          `{"index":${index},"message":${messageJson(c, callId(index))},"logprobs":null,"finish_reason":"${finishReason(c)}"}`,
      )
      .join(',');
    ctx.writer.raw(
      200,
      `{"id":"${id}","object":"chat.completion","created":${created},"model":${JSON.stringify(model)},"choices":[${choiceJson}],"usage":${usageJson(prompt, output, cached)},"service_tier":"default","system_fingerprint":"fp_holdfastsim"}`,
      headers,
    );
    return;
  }

  const includeUsage =
    (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const base = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_holdfastsim',
  };
  const chunk = (choice: object) =>
    sseData({ ...base, choices: [choice], ...(includeUsage ? { usage: null } : {}) });
  const events: string[] = [];
  choices.forEach((c, index) => {
    const first =
      c.kind === 'tool'
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [
              { index: 0, id: callId(index), type: 'function', function: { name: c.name, arguments: '' } },
            ],
            refusal: null,
          }
        : { role: 'assistant', content: '', refusal: null };
    events.push(chunk({ index, delta: first, logprobs: null, finish_reason: null }));
  });
  const pieces: string[][] = choices.map((c) =>
    c.kind === 'tool' ? jsonDeltas(c.arguments) : wish.kind === 'json' ? jsonDeltas(c.text) : deltas(c.text),
  );
  const longest = Math.max(...pieces.map((p) => p.length));
  for (let k = 0; k < longest; k++) {
    pieces.forEach((p, index) => {
      if (p[k] === undefined) return;
      const delta =
        choices[index]!.kind === 'tool'
          ? { tool_calls: [{ index: 0, function: { arguments: p[k] } }] }
          : { content: p[k] };
      events.push(chunk({ index, delta, logprobs: null, finish_reason: null }));
    });
  }
  choices.forEach((c, index) => {
    events.push(chunk({ index, delta: {}, logprobs: null, finish_reason: finishReason(c) }));
  });
  if (includeUsage) events.push(sseData({ ...base, choices: [], usage: chatUsage(prompt, output, cached) }));
  events.push(sseData('[DONE]'));
  const sent = await ctx.writer.sse(
    200,
    headers,
    events,
    sseData({
      error: {
        message: 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    }),
  );
  // Billed for what was generated and sent: the whole answer, or the part before a failure.
  ctx.charge({
    input: prompt,
    output: sent === events.length ? output : sentTokens(events.slice(0, sent)),
    cached,
  });
}

function finishReason(output: ModelOutput): string {
  if (output.truncated) return 'length';
  return output.kind === 'tool' ? 'tool_calls' : 'stop';
}

function messageJson(output: ModelOutput, callId: string): string {
  if (output.kind === 'text')
    return `{"role":"assistant","content":${JSON.stringify(output.text)},"refusal":null,"annotations":[]}`;
  const call = { id: callId, type: 'function', function: { name: output.name, arguments: output.arguments } };
  return `{"role":"assistant","content":null,"tool_calls":[${JSON.stringify(call)}],"refusal":null,"annotations":[]}`;
}

/** OpenAI caches prompts of 1,024 tokens or more, in 128-token increments, per key. */
function cachedTokens(ctx: SimContext, prompt: string, tokens: number): number {
  if (tokens < 1024) return 0;
  const seen = ctx.state<Set<string>>(`openai:cache:${ctx.request.apiKey ?? '-'}`, () => new Set());
  if (seen.has(prompt)) return Math.floor(tokens / 128) * 128;
  seen.add(prompt);
  return 0;
}

function usageJson(prompt: number, completionTokens: number, cached: number): string {
  return `{"prompt_tokens":${prompt},"completion_tokens":${completionTokens},"total_tokens":${prompt + completionTokens},"prompt_tokens_details":{"cached_tokens":${cached},"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`;
}

function chatUsage(prompt: number, completionTokens: number, cached: number) {
  return {
    prompt_tokens: prompt,
    completion_tokens: completionTokens,
    total_tokens: prompt + completionTokens,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Output tokens in the content and tool-argument deltas of the chunks that were sent. */
function sentTokens(events: readonly string[]): number {
  const texts = new Map<number, string>();
  for (const event of events) {
    const json = event.slice(6).trim();
    if (json === '[DONE]') continue;
    const parsed = JSON.parse(json) as {
      choices?: Array<{
        index?: number;
        delta?: { content?: string | null; tool_calls?: Array<{ function?: { arguments?: string } }> };
      }>;
    };
    for (const choice of parsed.choices ?? []) {
      let text = choice.delta?.content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) text += call.function?.arguments ?? '';
      texts.set(choice.index ?? 0, (texts.get(choice.index ?? 0) ?? '') + text);
    }
  }
  let tokens = 0;
  for (const text of texts.values()) if (text !== '') tokens += countTokens(text);
  return tokens;
}
