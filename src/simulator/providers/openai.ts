import { embedding, embeddingDimensions, toBase64Floats } from '../generator.js';
import { countTokens } from '../tokens.js';
import { chat } from './openai-chat.js';
import { responses } from './openai-responses.js';
import { error, limits, numberOr, requireModel, successHeaders } from './openai-wire.js';
import {
  BadRequest,
  goDuration,
  type MatchedRoute,
  objectBody,
  type ProviderModule,
  type SimContext,
  simId,
} from './provider.js';

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

  match(method, url, body, header) {
    const stream = (body as { stream?: unknown } | undefined)?.stream === true;
    const path = url.pathname;
    // GET /v1/models is also Gemini's (its v1 API): a request that carries a Gemini key is not ours.
    if (method === 'GET' && header('authorization') === undefined && geminiKey(header, url)) return undefined;
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

/** Whether a request authenticates the way Gemini clients do (x-goog-api-key, or ?key=). */
function geminiKey(header: (name: string) => string | undefined, url: { searchParams: URLSearchParams }) {
  return header('x-goog-api-key') !== undefined || url.searchParams.has('key');
}
