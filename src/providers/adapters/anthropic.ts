import { type HoldfastError, holdfastError } from '../../errors/holdfast-error.js';
import { type Adapter, jsonBody, type PreparedCall, type UsageCounts, withQuery } from '../adapter.js';
import { classifyStatus } from '../classify-status.js';

type Json = Record<string, unknown>;

/** Anthropic: the Messages API (max_tokens is always present, so every call is capped). */
export const anthropicAdapter: Adapter = {
  kind: 'anthropic',

  prepare(request, config) {
    const json = request.body as Json | undefined;
    const { body, bytes } = jsonBody(json);
    const operation =
      request.path === '/v1/messages'
        ? 'messages'
        : request.path === '/v1/messages/count_tokens'
          ? 'count'
          : `${request.method ?? 'POST'} ${request.path}`;
    return {
      method: request.method ?? (json === undefined ? 'GET' : 'POST'),
      path: withQuery(request.path, request.query),
      headers: {
        ...(config.apiKey ? { 'x-api-key': config.apiKey } : {}),
        'anthropic-version': '2023-06-01',
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...config.headers,
        ...request.headers,
      },
      json,
      body,
      stream: json?.stream === true,
      operation,
      model: typeof json?.model === 'string' ? json.model : undefined,
      inputBound: bytes,
      outputCap:
        operation === 'messages' ? (typeof json?.max_tokens === 'number' ? json.max_tokens : undefined) : 0,
    };
  },

  capOutput(call, maxOutput) {
    if (call.operation !== 'messages') return call;
    const json = { ...(call.json as Json) };
    json.max_tokens = Math.max(
      1,
      Math.min(typeof json.max_tokens === 'number' ? json.max_tokens : maxOutput, maxOutput),
    );
    const { body } = jsonBody(json);
    return { ...call, json, body, outputCap: json.max_tokens as number };
  },

  classify(response, call, provider) {
    const error = (response.body as { error?: Json } | undefined)?.error ?? {};
    const type = typeof error.type === 'string' ? error.type : undefined;
    const message =
      typeof error.message === 'string' ? error.message : response.text.slice(0, 300) || undefined;
    const errorCode = (error.details as Json | undefined)?.error_code;
    const requestId = response.headers['request-id'];
    const base = {
      provider,
      operation: call.operation,
      status: response.status,
      providerMessage: message,
      requestId,
    };
    // The workspace's spend cap (a 429 without retry-after), or no credit left at all.
    if (
      errorCode === 'enforced_spend_limit_reached' ||
      (message && /credit balance is too low/i.test(message))
    ) {
      return holdfastError('PROVIDER_QUOTA_EXHAUSTED', {
        ...base,
        providerCode: typeof errorCode === 'string' ? errorCode : 'credit_balance_too_low',
      });
    }
    if (type === 'overloaded_error' && response.status !== 529 && response.status !== 503) {
      return holdfastError('PROVIDER_OVERLOADED', base);
    }
    const classified = classifyStatus(response, provider, {
      operation: call.operation,
      providerMessage: message,
      providerCode: type,
      requestId,
    });
    if (classified.code !== 'PROVIDER_RATE_LIMITED') return classified;
    return holdfastError(
      'PROVIDER_RATE_LIMITED',
      {
        ...(classified.details as HoldfastError<'PROVIDER_RATE_LIMITED'>['details']),
        ...exhaustedLimit(response.headers),
      },
      { retryAfterMs: classified.retryAfterMs },
    );
  },

  usage(body) {
    const usage = (body as { usage?: Json } | undefined)?.usage;
    return usage ? readUsage(usage) : undefined;
  },

  streamMeter(call, provider) {
    let input: Json | undefined;
    let output = 0;
    let text = 0;
    let ended = false;
    return {
      accept(event) {
        const data = JSON.parse(event.data) as Json;
        switch (data.type) {
          case 'error':
            throw streamError(provider, call, (data.error ?? {}) as Json);
          case 'message_start':
            input = ((data.message as Json | undefined)?.usage ?? {}) as Json;
            output = num(input.output_tokens);
            break;
          case 'content_block_delta': {
            const delta = data.delta as Json | undefined;
            if (typeof delta?.text === 'string') text += delta.text.length;
            break;
          }
          case 'message_delta': {
            // Cumulative, not a delta: the latest value is the total so far. Never add them up.
            const usage = (data.usage ?? {}) as Json;
            output = num(usage.output_tokens);
            if (usage.input_tokens !== undefined) input = { ...input, ...usage };
            break;
          }
          case 'message_stop':
            ended = true;
            return { value: data, done: true };
          default:
            break;
        }
        return { value: data };
      },
      outputSoFar: () => Math.max(output, Math.ceil(text / 4)),
      inputSoFar: () => (input === undefined ? undefined : readUsage(input).input),
      usage: () =>
        ended && input !== undefined ? readUsage({ ...input, output_tokens: output }) : undefined,
    };
  },
};

/** input_tokens excludes cache reads and writes; the input billed is all three. */
function readUsage(usage: Json): UsageCounts {
  const read = num(usage.cache_read_input_tokens);
  return {
    input: num(usage.input_tokens) + num(usage.cache_creation_input_tokens) + read,
    output: num(usage.output_tokens),
    cached: read,
  };
}

/** Which anthropic-ratelimit-* limit ran out, from the headers. */
function exhaustedLimit(headers: Record<string, string>) {
  for (const kind of ['input-tokens', 'output-tokens', 'tokens', 'requests']) {
    if (headers[`anthropic-ratelimit-${kind}-remaining`] === '0') {
      const limit = Number(headers[`anthropic-ratelimit-${kind}-limit`]);
      return {
        limitType: kind,
        limit: Number.isFinite(limit) ? limit : undefined,
        remaining: 0,
        resetAt: headers[`anthropic-ratelimit-${kind}-reset`],
      };
    }
  }
  return {};
}

function streamError(provider: string, call: PreparedCall, error: Json): HoldfastError {
  const type = typeof error.type === 'string' ? error.type : 'api_error';
  const message = typeof error.message === 'string' ? error.message : 'error in stream';
  const details = { provider, operation: call.operation, providerMessage: message, providerCode: type };
  if (type === 'overloaded_error')
    return holdfastError('PROVIDER_OVERLOADED', details, {
      message: `${provider} overloaded mid-stream: ${message}`,
    });
  if (type === 'rate_limit_error') return holdfastError('PROVIDER_RATE_LIMITED', details);
  if (type === 'invalid_request_error') return holdfastError('PROVIDER_REJECTED', details);
  return holdfastError('PROVIDER_ERROR', details, { message: `${provider} failed mid-stream: ${message}` });
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
