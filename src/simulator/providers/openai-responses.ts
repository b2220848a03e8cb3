import { deltas } from '../generator.js';
import { jsonDeltas, modelOutput } from '../model-output.js';
import { countTokens } from '../tokens.js';
import {
  contentOf,
  numberOr,
  outputWish,
  promptTokens,
  requireModel,
  responsesTools,
  successHeaders,
} from './openai-wire.js';
import { BadRequest, objectBody, type SimContext, simId } from './provider.js';

/**
 * POST /v1/responses, plain and streamed: a message (prose, or JSON for `text.format`), or a
 * function call when `tool_choice` forces one. The stream sends each output item empty first and
 * fills it with its own events, as the real API does (the SDK's `finalResponse()` relies on it).
 */
export async function responses(ctx: SimContext): Promise<void> {
  const body = objectBody(ctx.request.body);
  const model = requireModel(body);
  ctx.model(model);
  if (body.input === undefined) throw new BadRequest("Missing required parameter: 'input'.", 'input');
  const items =
    typeof body.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : (body.input as Array<{ content?: unknown }>);
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  const promptText = `${instructions}\n${items.map((i) => contentOf(i)).join('\n')}`;
  const input = promptTokens(items) + (instructions ? countTokens(instructions) : 0);
  const format = (body.text as { format?: unknown } | undefined)?.format;
  const wish = outputWish(responsesTools(body.tools), body.tool_choice, format, ctx.seed, promptText);
  const maxOutput = numberOr(body.max_output_tokens, undefined);
  const result = modelOutput(ctx.seed, model, promptText, maxOutput, wish);
  const id = simId('resp_', ctx.seed, ctx.seq, 48);
  const itemId = simId(result.kind === 'tool' ? 'fc_' : 'msg_', ctx.seed, ctx.seq, 48);
  const callId = simId('call_', ctx.seed, ctx.seq);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: result.tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + result.tokens,
  };
  const finalText = result.kind === 'tool' ? result.arguments : result.text;
  /** The output item, as it stands once `text` (or the arguments) has been written. */
  const item = (text: string, status: string, content = true) =>
    result.kind === 'tool'
      ? { type: 'function_call', id: itemId, call_id: callId, name: result.name, arguments: text, status }
      : {
          type: 'message',
          id: itemId,
          status,
          role: 'assistant',
          content: content ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
        };
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id,
    object: 'response',
    created_at: Math.floor(ctx.now() / 1000),
    status,
    background: false,
    error: null,
    incomplete_details: result.truncated && status !== 'in_progress' ? { reason: 'max_output_tokens' } : null,
    instructions: instructions || null,
    max_output_tokens: maxOutput ?? null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: format ?? { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: 1,
    truncation: 'disabled',
    usage: withUsage ? usage : null,
    user: null,
    metadata: {},
  });
  const endStatus = result.truncated ? 'incomplete' : 'completed';
  const headers = successHeaders(ctx, input + result.tokens);
  if (body.stream !== true) {
    ctx.charge({ input, output: result.tokens });
    ctx.writer.json(200, response(endStatus, [item(finalText, 'completed')], true), headers);
    return;
  }
  let n = 0;
  const event = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`;
  const at = { item_id: itemId, output_index: 0 };
  const body_ =
    result.kind === 'tool'
      ? [
          ...jsonDeltas(result.arguments).map((delta) =>
            event('response.function_call_arguments.delta', { ...at, delta }),
          ),
          event('response.function_call_arguments.done', {
            ...at,
            name: result.name,
            arguments: result.arguments,
          }),
        ]
      : [
          event('response.content_part.added', {
            ...at,
            content_index: 0,
            part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
          }),
          ...(wish.kind === 'json' ? jsonDeltas(result.text) : deltas(result.text)).map((delta) =>
            event('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] }),
          ),
          event('response.output_text.done', { ...at, content_index: 0, text: result.text, logprobs: [] }),
          event('response.content_part.done', {
            ...at,
            content_index: 0,
            part: { type: 'output_text', text: result.text, annotations: [], logprobs: [] },
          }),
        ];
  const events = [
    event('response.created', { response: response('in_progress', [], false) }),
    event('response.in_progress', { response: response('in_progress', [], false) }),
    event('response.output_item.added', { output_index: 0, item: item('', 'in_progress', false) }),
    ...body_,
    event('response.output_item.done', { output_index: 0, item: item(finalText, 'completed') }),
    event(`response.${endStatus}`, { response: response(endStatus, [item(finalText, 'completed')], true) }),
  ];
  const sent = await ctx.writer.sse(
    200,
    headers,
    events,
    event('error', { code: 'server_error', message: 'The server had an error', param: null }),
  );
  ctx.charge({
    input,
    output: sent === events.length ? result.tokens : Math.floor((result.tokens * sent) / events.length),
  });
}
