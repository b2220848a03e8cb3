import { deltas } from '../generator.js';
import { jsonDeltas, type ModelOutput, modelOutput, type OutputWish } from '../model-output.js';
import { hash32 } from '../prng.js';
import { contentText, countTokens } from '../tokens.js';
import {
  BadRequest,
  type MatchedRoute,
  objectBody,
  type ProviderModule,
  rateWindow,
  type SimContext,
  simId,
  sseEvent,
} from './provider.js';

const limits = { requests: 4000, tokens: 400_000, input: 200_000, output: 80_000 };

/** Anthropic: the Messages API, plain and streamed (SSE with cumulative usage in message_delta). */
export const anthropic: ProviderModule = {
  name: 'anthropic',

  apiKey(header) {
    const key = header('x-api-key');
    if (typeof key === 'string' && key.length > 0) return key;
    const auth = header('authorization');
    return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  },

  match(method, url, body) {
    if (method === 'POST' && url.pathname === '/v1/messages') {
      const stream = (body as { stream?: unknown } | undefined)?.stream === true;
      return { route: 'messages', stream, handle: messages } satisfies MatchedRoute;
    }
    if (method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      return { route: 'count', stream: false, handle: countMessageTokens } satisfies MatchedRoute;
    }
    return undefined;
  },

  refuse(ctx, fault) {
    const requestId = simId('req_', ctx.seed, ctx.seq, 24);
    const headers = { 'request-id': requestId };
    const send = (
      status: number,
      type: string,
      message: string,
      extra: object = {},
      more: Record<string, string | number> = {},
    ) =>
      ctx.writer.json(
        status,
        { type: 'error', error: { type, message, ...extra }, request_id: requestId },
        { ...headers, ...more },
      );
    switch (fault.kind) {
      case 'no-key':
        return send(401, 'authentication_error', 'x-api-key header is required');
      case 'bad-request':
        return send(400, 'invalid_request_error', fault.message);
      case 'rate-limit': {
        const waitMs = fault.retryAfterMs ?? 1200;
        const reset = new Date(ctx.now() + waitMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
        return send(
          429,
          'rate_limit_error',
          'This request would exceed the rate limit for your organization of 400,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
          {},
          {
            'retry-after': Math.max(1, Math.ceil(waitMs / 1000)),
            'anthropic-ratelimit-requests-limit': limits.requests,
            'anthropic-ratelimit-requests-remaining': limits.requests - 1,
            'anthropic-ratelimit-requests-reset': reset,
            'anthropic-ratelimit-tokens-limit': limits.tokens,
            'anthropic-ratelimit-tokens-remaining': 0,
            'anthropic-ratelimit-tokens-reset': reset,
            'anthropic-ratelimit-input-tokens-limit': limits.input,
            'anthropic-ratelimit-input-tokens-remaining': 0,
            'anthropic-ratelimit-input-tokens-reset': reset,
            'anthropic-ratelimit-output-tokens-limit': limits.output,
            'anthropic-ratelimit-output-tokens-remaining': limits.output,
            'anthropic-ratelimit-output-tokens-reset': reset,
          },
        );
      }
      case 'quota':
        // The workspace's spend cap: a 429 with no retry-after, distinguished by its error_code.
        return send(
          429,
          'rate_limit_error',
          'You have reached your specified workspace API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.',
          { details: { error_code: 'enforced_spend_limit_reached' } },
        );
      case 'daily-quota':
        return send(
          400,
          'invalid_request_error',
          'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
        );
      case 'status': {
        const { status } = fault;
        if (status === 529 || status === 503) return send(status, 'overloaded_error', 'Overloaded');
        const type =
          status === 400
            ? 'invalid_request_error'
            : status === 401
              ? 'authentication_error'
              : status === 403
                ? 'permission_error'
                : status === 404
                  ? 'not_found_error'
                  : status === 413
                    ? 'request_too_large'
                    : status === 408
                      ? 'timeout_error'
                      : 'api_error';
        const message =
          type === 'authentication_error'
            ? 'invalid x-api-key'
            : status >= 500
              ? 'Internal server error'
              : `Request failed (${status})`;
        return send(status, type, message);
      }
      default: {
        const never: never = fault;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  },
};

interface CacheBlock {
  readonly text: string;
  readonly cached: boolean;
}

/** The prompt split into text, with blocks marked `cache_control` (prompt caching). */
function promptBlocks(body: Record<string, unknown>): CacheBlock[] {
  const blocks: CacheBlock[] = [];
  const add = (content: unknown) => {
    if (typeof content === 'string') blocks.push({ text: content, cached: false });
    else if (Array.isArray(content)) {
      for (const part of content as Array<{ text?: unknown; cache_control?: unknown }>) {
        blocks.push({ text: contentText(part), cached: part.cache_control !== undefined });
      }
    }
  };
  add(body.system);
  for (const m of body.messages as Array<{ content?: unknown }>) add(m.content);
  return blocks;
}

/**
 * Input usage the way Anthropic reports it: `input_tokens` excludes cache reads and writes. A
 * block marked for caching is written to the cache the first time this key sends it, read after.
 */
function inputUsage(ctx: SimContext, body: Record<string, unknown>) {
  const cache = ctx.state<Set<string>>(`anthropic:cache:${ctx.request.apiKey ?? '-'}`, () => new Set());
  let input = 3 * (body.messages as unknown[]).length;
  let creation = 0;
  let read = 0;
  for (const block of promptBlocks(body)) {
    const tokens = countTokens(block.text);
    if (!block.cached) input += tokens;
    else if (cache.has(block.text)) read += tokens;
    else {
      cache.add(block.text);
      creation += tokens;
    }
  }
  return { input_tokens: input, cache_creation_input_tokens: creation, cache_read_input_tokens: read };
}

function validate(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model === '')
    throw new BadRequest('model: Field required', 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    throw new BadRequest('messages: Field required', 'messages');
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1)
    throw new BadRequest('max_tokens: Field required', 'max_tokens');
  return body.model;
}

let resetCache = { start: Number.NaN, text: '' };

function successHeaders(ctx: SimContext, tokens: number): Record<string, string | number> {
  const window = rateWindow(ctx, 'anthropic');
  window.requests += 1;
  window.tokens += tokens;
  // RFC 3339 without milliseconds, formatted once per rate window.
  if (resetCache.start !== window.start) {
    resetCache = {
      start: window.start,
      text: new Date(window.start + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }
  const reset = resetCache.text;
  return {
    'request-id': simId('req_', ctx.seed, ctx.seq, 24),
    'anthropic-ratelimit-requests-limit': limits.requests,
    'anthropic-ratelimit-requests-remaining': Math.max(0, limits.requests - window.requests),
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': limits.tokens,
    'anthropic-ratelimit-tokens-remaining': Math.max(0, limits.tokens - window.tokens),
    'anthropic-ratelimit-tokens-reset': reset,
  };
}

async function messages(ctx: SimContext): Promise<void> {
  const body = objectBody(ctx.request.body);
  const model = validate(body);
  ctx.model(model);
  const promptText = promptBlocks(body)
    .map((b) => b.text)
    .join('\n');
  const usageIn = inputUsage(ctx, body);
  const result = modelOutput(
    ctx.seed,
    model,
    promptText,
    body.max_tokens as number,
    anthropicWish(body, promptText, ctx.seed),
  );
  const id = simId('msg_', ctx.seed, ctx.seq, 24);
  const stopReason = result.truncated ? 'max_tokens' : result.kind === 'tool' ? 'tool_use' : 'end_turn';
  const toolId = simId('toolu_', ctx.seed, ctx.seq, 24);
  const charged = (output: number) => ({
    input: usageIn.input_tokens + usageIn.cache_creation_input_tokens + usageIn.cache_read_input_tokens,
    output,
    cached: usageIn.cache_read_input_tokens,
  });
  const headers = successHeaders(ctx, usageIn.input_tokens + result.tokens);

  if (body.stream !== true) {
    ctx.charge(charged(result.tokens));
    ctx.writer.raw(
      200,
      `{"id":"${id}","type":"message","role":"assistant","model":${JSON.stringify(model)},"content":[${JSON.stringify(finalBlock(result, toolId))}],"stop_reason":"${stopReason}","stop_sequence":null,"usage":{"input_tokens":${usageIn.input_tokens},"cache_creation_input_tokens":${usageIn.cache_creation_input_tokens},"cache_read_input_tokens":${usageIn.cache_read_input_tokens},"output_tokens":${result.tokens},"service_tier":"standard"}}`,
      headers,
    );
    return;
  }

  const pieces = result.kind === 'tool' ? jsonDeltas(result.arguments) : deltas(result.text);
  // message_delta carries the *cumulative* output count; message_start reports 1 so far.
  const events = [
    sseEvent('message_start', {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usageIn, output_tokens: 1, service_tier: 'standard' },
      },
    }),
    sseEvent('content_block_start', {
      type: 'content_block_start',
      index: 0,
      content_block:
        result.kind === 'tool'
          ? { type: 'tool_use', id: toolId, name: result.name, input: {} }
          : { type: 'text', text: '' },
    }),
    sseEvent('ping', { type: 'ping' }),
    ...pieces.map((text) =>
      sseEvent('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta:
          result.kind === 'tool'
            ? { type: 'input_json_delta', partial_json: text }
            : { type: 'text_delta', text },
      }),
    ),
    sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sseEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { ...usageIn, output_tokens: result.tokens },
    }),
    sseEvent('message_stop', { type: 'message_stop' }),
  ];
  const sent = await ctx.writer.sse(
    200,
    headers,
    events,
    sseEvent('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
  );
  if (sent === events.length) ctx.charge(charged(result.tokens));
  else {
    const text = pieces.slice(0, Math.max(0, sent - 3)).join('');
    ctx.charge(charged(text === '' ? 0 : countTokens(text)));
  }
}

/** A forced tool call (`tool_choice` `any`, or `tool` with a name); prose otherwise. */
function anthropicWish(body: Record<string, unknown>, prompt: string, seed: number): OutputWish {
  const choice = body.tool_choice as { type?: unknown; name?: unknown } | undefined;
  if (choice?.type !== 'any' && choice?.type !== 'tool') return { kind: 'prose' };
  const tools = (Array.isArray(body.tools) ? body.tools : []).flatMap((t) => {
    const tool = t as { name?: unknown; input_schema?: unknown } | null;
    return typeof tool?.name === 'string' && tool.input_schema !== undefined
      ? [{ name: tool.name, parameters: tool.input_schema }]
      : [];
  });
  if (tools.length === 0)
    throw new BadRequest(
      'tool_choice: tool_choice may only be specified while providing tools.',
      'tool_choice',
    );
  if (choice.type === 'any') return { kind: 'tool', tool: tools[hash32(prompt, seed) % tools.length]! };
  const tool = tools.find((t) => t.name === choice.name);
  if (!tool)
    throw new BadRequest(`tool_choice: Tool '${String(choice.name)}' not found in tools.`, 'tool_choice');
  return { kind: 'tool', tool };
}

/** The content block of a finished answer: its text, or the tool call with its parsed input. */
function finalBlock(result: ModelOutput, toolId: string): object {
  if (result.kind === 'text') return { type: 'text', text: result.text };
  let input: unknown = {};
  try {
    input = JSON.parse(result.arguments);
  } catch {
    // Cut off by max_tokens: Anthropic returns what it could parse, here nothing.
  }
  return { type: 'tool_use', id: toolId, name: result.name, input };
}

function countMessageTokens(ctx: SimContext): void {
  const body = objectBody(ctx.request.body);
  if (typeof body.model !== 'string') throw new BadRequest('model: Field required', 'model');
  if (!Array.isArray(body.messages)) throw new BadRequest('messages: Field required', 'messages');
  ctx.model(body.model);
  const input = promptBlocks(body).reduce((sum, b) => sum + countTokens(b.text), 3 * body.messages.length);
  ctx.writer.json(200, { input_tokens: input }, { 'request-id': simId('req_', ctx.seed, ctx.seq, 24) });
}
