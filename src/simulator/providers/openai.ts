import { completion, deltas, embedding, embeddingDimensions, toBase64Floats } from '../generator.js';
import { contentText, countTokens } from '../tokens.js';
import {
  BadRequest,
  goDuration,
  type MatchedRoute,
  objectBody,
  type ProviderModule,
  rateWindow,
  type SimContext,
  simId,
  sseData,
} from './provider.js';

const limits = { requests: 10_000, tokens: 2_000_000 };
const models = [
  'gpt-4o-mini',
  'gpt-4o',
  'gpt-4.1-mini',
  'o4-mini',
  'text-embedding-3-small',
  'text-embedding-3-large',
];

/** OpenAI: chat completions (plain and streamed), embeddings, responses, models. */
export const openai: ProviderModule = {
  name: 'openai',

  apiKey(header) {
    const auth = header('authorization');
    return typeof auth === 'string' && auth.startsWith('Bearer ') && auth.length > 7
      ? auth.slice(7)
      : undefined;
  },

  match(method, url, body) {
    const stream = (body as { stream?: unknown } | undefined)?.stream === true;
    const path = url.pathname;
    if (method === 'POST' && path === '/v1/chat/completions') return route('chat', stream, chat);
    if (method === 'POST' && path === '/v1/embeddings') return route('embeddings', false, embeddings);
    if (method === 'POST' && path === '/v1/responses') return route('responses', stream, responses);
    if (method === 'GET' && path === '/v1/models') return route('models', false, listModels);
    if (method === 'GET' && path.startsWith('/v1/models/')) return route('models', false, getModel);
    return undefined;
  },

  refuse(ctx, fault) {
    const headers = { 'x-request-id': simId('req_', ctx.seed, ctx.seq, 32) };
    const model = String((ctx.request.body as { model?: unknown } | undefined)?.model ?? 'gpt-4o-mini');
    switch (fault.kind) {
      case 'no-key':
        return error(ctx, 401, headers, {
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          type: 'invalid_request_error',
          param: null,
          code: null,
        });
      case 'rate-limit': {
        const waitMs = fault.retryAfterMs ?? 1200;
        const seconds = Number((waitMs / 1000).toFixed(3));
        return error(
          ctx,
          429,
          {
            ...headers,
            'retry-after': Math.max(1, Math.ceil(waitMs / 1000)),
            'retry-after-ms': Math.round(waitMs),
            'x-ratelimit-limit-requests': limits.requests,
            'x-ratelimit-limit-tokens': 50_000,
            'x-ratelimit-remaining-requests': limits.requests - 1,
            'x-ratelimit-remaining-tokens': 0,
            'x-ratelimit-reset-requests': '6ms',
            'x-ratelimit-reset-tokens': goDuration(waitMs),
          },
          {
            message: `Rate limit reached for ${model} in organization org-holdfastsim on tokens per min (TPM): Limit 50000, Used 49203, Requested 1519. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
            type: 'tokens',
            param: null,
            code: 'rate_limit_exceeded',
          },
        );
      }
      case 'quota':
        return error(ctx, 429, headers, {
          message:
            'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
          type: 'insufficient_quota',
          param: null,
          code: 'insufficient_quota',
        });
      case 'daily-quota':
        return error(ctx, 429, headers, {
          message:
            'Your credit balance is too low to complete this request. Add credits to your organization to continue.',
          type: 'insufficient_quota',
          param: null,
          code: 'credit_balance_exhausted',
        });
      case 'status':
        return statusError(ctx, fault.status, headers, model);
      case 'bad-request':
        return error(ctx, 400, headers, {
          message: fault.message,
          type: 'invalid_request_error',
          param: fault.param ?? null,
          code: null,
        });
      default: {
        const never: never = fault;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  },
};

function route(
  name: string,
  stream: boolean,
  handle: (ctx: SimContext) => Promise<void> | void,
): MatchedRoute {
  return { route: name, stream, handle };
}

function error(
  ctx: SimContext,
  status: number,
  headers: Record<string, string | number>,
  body: object,
): void {
  ctx.writer.json(status, { error: body }, headers);
}

function statusError(
  ctx: SimContext,
  status: number,
  headers: Record<string, string | number>,
  model: string,
): void {
  if (status === 502) {
    // Like the real thing: the gateway answers in HTML, not JSON.
    ctx.writer.status = 502;
    ctx.writer.res.writeHead(502, { 'content-type': 'text/html', ...headers });
    ctx.writer.res.end(
      '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>\n',
    );
    return;
  }
  error(ctx, status, headers, statusBody(status, model));
}

function statusBody(status: number, model: string): object {
  switch (status) {
    case 400:
      return { message: 'Invalid request.', type: 'invalid_request_error', param: null, code: null };
    case 401:
      return {
        message:
          'Incorrect API key provided: sk-****. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      };
    case 403:
      return {
        message: 'Country, region, or territory not supported',
        type: 'request_forbidden',
        param: null,
        code: 'unsupported_country_region_territory',
      };
    case 404:
      return {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: 'invalid_request_error',
        param: null,
        code: 'model_not_found',
      };
    case 503:
      return {
        message: 'The engine is currently overloaded, please try again later.',
        type: 'server_error',
        param: null,
        code: 'service_unavailable',
      };
    default:
      return {
        message:
          status >= 500
            ? 'The server had an error while processing your request. Sorry about that!'
            : `Request failed (${status}).`,
        type: status >= 500 ? 'server_error' : 'invalid_request_error',
        param: null,
        code: null,
      };
  }
}

function successHeaders(ctx: SimContext, tokens: number): Record<string, string | number> {
  const window = rateWindow(ctx, 'openai');
  window.requests += 1;
  window.tokens += tokens;
  const resetMs = Math.max(0, 60_000 - (ctx.now() - window.start));
  return {
    'x-request-id': simId('req_', ctx.seed, ctx.seq, 32),
    'openai-processing-ms': 12,
    'x-ratelimit-limit-requests': limits.requests,
    'x-ratelimit-limit-tokens': limits.tokens,
    'x-ratelimit-remaining-requests': Math.max(0, limits.requests - window.requests),
    'x-ratelimit-remaining-tokens': Math.max(0, limits.tokens - window.tokens),
    // A request slot frees up every 6 ms at 10,000 a minute.
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-reset-tokens': goDuration(resetMs),
  };
}

function requireModel(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model === '')
    throw new BadRequest('you must provide a model parameter', 'model');
  return body.model;
}

/** Prompt tokens of a chat request: content plus a few tokens of framing per message. */
function promptTokens(messages: ReadonlyArray<{ content?: unknown }>): number {
  return messages.reduce((sum, m) => sum + countTokens(contentText(m.content)) + 4, 3);
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

async function chat(ctx: SimContext): Promise<void> {
  const body = objectBody(ctx.request.body);
  const model = requireModel(body);
  ctx.model(model);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw new BadRequest("Missing required parameter: 'messages'.", 'messages');
  }
  const messages = body.messages as Array<{ role?: unknown; content?: unknown }>;
  const maxTokens = numberOr(body.max_completion_tokens, numberOr(body.max_tokens, undefined));
  const n = Math.min(8, Math.max(1, numberOr(body.n, 1) ?? 1));
  const promptText = messages.map((m) => `${String(m.role)}:${contentText(m.content)}`).join('\n');
  const prompt = promptTokens(messages);
  const choices = Array.from({ length: n }, (_, i) => completion(ctx.seed + i, model, promptText, maxTokens));
  const output = choices.reduce((sum, c) => sum + c.tokens, 0);
  const cached = cachedTokens(ctx, promptText, prompt);
  const id = simId('chatcmpl-', ctx.seed, ctx.seq);
  const created = Math.floor(ctx.now() / 1000);
  const headers = successHeaders(ctx, prompt + output);

  if (body.stream !== true) {
    ctx.charge({ input: prompt, output, cached });
    // Serialised from a template: this is the hot path of every benchmark that uses the simulator.
    const choiceJson = choices
      .map(
        (c, index) =>
          `{"index":${index},"message":{"role":"assistant","content":${JSON.stringify(c.text)},"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"${c.truncated ? 'length' : 'stop'}"}`,
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
  const pieces: string[][] = choices.map((c) => deltas(c.text));
  choices.forEach((_, index) => {
    events.push(
      chunk({
        index,
        delta: { role: 'assistant', content: '', refusal: null },
        logprobs: null,
        finish_reason: null,
      }),
    );
  });
  const longest = Math.max(...pieces.map((p) => p.length));
  for (let k = 0; k < longest; k++) {
    pieces.forEach((p, index) => {
      if (p[k] !== undefined)
        events.push(chunk({ index, delta: { content: p[k] }, logprobs: null, finish_reason: null }));
    });
  }
  choices.forEach((c, index) => {
    events.push(chunk({ index, delta: {}, logprobs: null, finish_reason: c.truncated ? 'length' : 'stop' }));
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

/** Output tokens in the content deltas of the chunks that were sent. */
function sentTokens(events: readonly string[]): number {
  let text = '';
  for (const event of events) {
    const json = event.slice(6).trim();
    if (json === '[DONE]') continue;
    const parsed = JSON.parse(json) as { choices?: Array<{ delta?: { content?: string } }> };
    for (const choice of parsed.choices ?? []) text += choice.delta?.content ?? '';
  }
  return text === '' ? 0 : countTokens(text);
}

function embeddings(ctx: SimContext): void {
  const body = objectBody(ctx.request.body);
  const model = requireModel(body);
  ctx.model(model);
  const input = body.input;
  const inputs: unknown[] =
    Array.isArray(input) && !input.every((v) => typeof v === 'number') ? input : [input];
  if (input === undefined || inputs.length === 0)
    throw new BadRequest("'input' is a required property", 'input');
  const dimensions = embeddingDimensions(model, numberOr(body.dimensions, undefined));
  const base64 = body.encoding_format === 'base64';
  let tokens = 0;
  // Serialised by hand: number arrays are the bulk of an embeddings answer.
  const data = inputs.map((item, index) => {
    const text = typeof item === 'string' ? item : Array.isArray(item) ? item.join(' ') : String(item);
    tokens += Array.isArray(item) ? item.length : countTokens(text);
    const vector = embedding(ctx.seed, text, dimensions);
    const values = base64 ? `"${toBase64Floats(vector)}"` : `[${vector.join(',')}]`;
    return `{"object":"embedding","index":${index},"embedding":${values}}`;
  });
  ctx.charge({ input: tokens, output: 0 });
  ctx.writer.raw(
    200,
    `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":${tokens},"total_tokens":${tokens}}}`,
    successHeaders(ctx, tokens),
  );
}

async function responses(ctx: SimContext): Promise<void> {
  const body = objectBody(ctx.request.body);
  const model = requireModel(body);
  ctx.model(model);
  if (body.input === undefined) throw new BadRequest("Missing required parameter: 'input'.", 'input');
  const items =
    typeof body.input === 'string'
      ? [{ role: 'user', content: body.input }]
      : (body.input as Array<{ content?: unknown }>);
  const instructions = typeof body.instructions === 'string' ? body.instructions : '';
  const promptText = `${instructions}\n${items.map((i) => contentText(i.content)).join('\n')}`;
  const input = promptTokens(items) + (instructions ? countTokens(instructions) : 0);
  const result = completion(ctx.seed, model, promptText, numberOr(body.max_output_tokens, undefined));
  const id = simId('resp_', ctx.seed, ctx.seq, 48);
  const messageId = simId('msg_', ctx.seed, ctx.seq, 48);
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: result.tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + result.tokens,
  };
  const message = (text: string, status: string) => ({
    type: 'message',
    id: messageId,
    status,
    role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  });
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id,
    object: 'response',
    created_at: Math.floor(ctx.now() / 1000),
    status,
    background: false,
    error: null,
    incomplete_details: result.truncated && status === 'completed' ? { reason: 'max_output_tokens' } : null,
    instructions: instructions || null,
    max_output_tokens: numberOr(body.max_output_tokens, undefined) ?? null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: withUsage ? usage : null,
    user: null,
    metadata: {},
  });
  const headers = successHeaders(ctx, input + result.tokens);
  if (body.stream !== true) {
    ctx.charge({ input, output: result.tokens });
    ctx.writer.json(
      200,
      response(result.truncated ? 'incomplete' : 'completed', [message(result.text, 'completed')], true),
      headers,
    );
    return;
  }
  let n = 0;
  const event = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n++, ...data })}\n\n`;
  const events = [
    event('response.created', { response: response('in_progress', [], false) }),
    event('response.output_item.added', { output_index: 0, item: message('', 'in_progress') }),
    event('response.content_part.added', {
      item_id: messageId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '', annotations: [] },
    }),
    ...deltas(result.text).map((delta) =>
      event('response.output_text.delta', {
        item_id: messageId,
        output_index: 0,
        content_index: 0,
        delta,
        logprobs: [],
      }),
    ),
    event('response.output_text.done', {
      item_id: messageId,
      output_index: 0,
      content_index: 0,
      text: result.text,
      logprobs: [],
    }),
    event('response.content_part.done', {
      item_id: messageId,
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: result.text, annotations: [] },
    }),
    event('response.output_item.done', { output_index: 0, item: message(result.text, 'completed') }),
    event('response.completed', {
      response: response('completed', [message(result.text, 'completed')], true),
    }),
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

function listModels(ctx: SimContext): void {
  ctx.writer.json(200, { object: 'list', data: models.map(modelObject) }, successHeaders(ctx, 0));
}

function getModel(ctx: SimContext): void {
  const id = decodeURIComponent(ctx.request.url.pathname.slice('/v1/models/'.length));
  if (!models.includes(id)) {
    error(
      ctx,
      404,
      {},
      {
        message: `The model '${id}' does not exist`,
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    );
    return;
  }
  ctx.writer.json(200, modelObject(id), successHeaders(ctx, 0));
}

function modelObject(id: string) {
  return { id, object: 'model', created: 1_715_367_049, owned_by: 'system' };
}

function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}
