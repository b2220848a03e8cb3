import { type HoldfastError, holdfastError } from '../../errors/holdfast-error.js';
import { type Adapter, jsonBody, withQuery } from '../adapter.js';
import { classifyStatus } from '../classify-status.js';

/**
 * Any JSON API, metered by user-supplied extractors: `usage(answer)` says what a call used per
 * meter (Keepa's `tokensConsumed`), `cost(request)` its worst case, `balance(answer)` what the
 * provider says is left (Keepa's `tokensLeft`), `retryAfter(answer)` how long a refusal asks to
 * wait (Keepa's `refillIn`).
 */
export const httpAdapter: Adapter = {
  kind: 'http',

  prepare(request, config) {
    const json = request.body;
    const { body } = jsonBody(json);
    const auth = config.options.auth;
    const query =
      auth?.query && config.apiKey ? { ...request.query, [auth.query]: config.apiKey } : request.query;
    const keyHeader: Record<string, string> =
      config.apiKey && !auth?.query
        ? auth?.header
          ? { [auth.header]: config.apiKey }
          : { authorization: `Bearer ${config.apiKey}` }
        : {};
    const method = request.method ?? (json === undefined ? 'GET' : 'POST');
    return {
      method,
      path: withQuery(request.path, query),
      headers: {
        ...keyHeader,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...config.headers,
        ...request.headers,
      },
      json,
      body,
      stream: false,
      operation: `${method} ${request.path}`,
      model: undefined,
      inputBound: 0,
      outputCap: 0,
    };
  },

  capOutput: (call) => call,

  classify(response, call, provider) {
    const message = textOf(response.body) ?? (response.text.slice(0, 300) || undefined);
    return classifyStatus(response, provider, { operation: call.operation, providerMessage: message });
  },

  usage: () => undefined,

  streamMeter() {
    throw new Error('the http adapter does not stream');
  },
};

/** Adds the user's retryAfter extractor's hint to a rate-limit error. */
export function withHint(error: HoldfastError, hintMs: number | undefined): HoldfastError {
  if (error.code !== 'PROVIDER_RATE_LIMITED' || hintMs === undefined || error.retryAfterMs !== undefined)
    return error;
  return holdfastError(
    'PROVIDER_RATE_LIMITED',
    {
      ...(error.details as HoldfastError<'PROVIDER_RATE_LIMITED'>['details']),
      retryAfterMs: hintMs,
      hintSource: 'provider body',
    },
    { retryAfterMs: hintMs },
  );
}

function textOf(body: unknown): string | undefined {
  const b = body as { error?: unknown; message?: unknown } | undefined;
  if (typeof b?.message === 'string') return b.message;
  if (typeof b?.error === 'string') return b.error;
  const message = (b?.error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
