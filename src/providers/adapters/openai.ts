import { type HoldfastError, holdfastError } from '../../errors/holdfast-error.js';
import { parseGoDuration, parseRetryHint } from '../../resilience/retry-hint.js';
import { type Adapter, jsonBody, type PreparedCall, type UsageCounts, withQuery } from '../adapter.js';
import { classifyStatus } from '../classify-status.js';

type Json = Record<string, unknown>;

const operations: Record<string, string> = {
  '/v1/chat/completions': 'chat',
  '/v1/embeddings': 'embeddings',
  '/v1/responses': 'responses',
  '/v1/completions': 'completions',
};

/** OpenAI (and OpenAI-compatible APIs): chat completions, embeddings, responses. */
export const openaiAdapter: Adapter = {
  kind: 'openai',

  prepare(request, config) {
    let json = request.body as Json | undefined;
    const operation =
      operations[request.path] ?? `${request.method ?? (json ? 'POST' : 'GET')} ${request.path}`;
    const stream = json?.stream === true;
    // Streamed chat answers carry usage only when asked: always ask, so streams are metered.
    if (stream && operation === 'chat') {
      json = {
        ...json,
        stream_options: { ...(json!.stream_options as Json | undefined), include_usage: true },
      };
    }
    const { body, bytes } = jsonBody(json);
    return {
      method: request.method ?? (json === undefined ? 'GET' : 'POST'),
      path: withQuery(request.path, request.query),
      headers: {
        ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...config.headers,
        ...request.headers,
      },
      json,
      body,
      stream,
      operation,
      model: typeof json?.model === 'string' ? json.model : undefined,
      inputBound: bytes,
      outputCap: outputCap(operation, json),
    };
  },

  capOutput(call, maxOutput) {
    const json = { ...(call.json as Json) };
    if (call.operation === 'chat') {
      const n = typeof json.n === 'number' && json.n > 1 ? json.n : 1;
      const perChoice = Math.max(1, Math.floor(maxOutput / n));
      if (typeof json.max_tokens === 'number') json.max_tokens = Math.min(json.max_tokens, perChoice);
      else
        json.max_completion_tokens = Math.min(
          typeof json.max_completion_tokens === 'number' ? json.max_completion_tokens : perChoice,
          perChoice,
        );
    } else if (call.operation === 'responses') {
      json.max_output_tokens = Math.min(
        typeof json.max_output_tokens === 'number' ? json.max_output_tokens : maxOutput,
        maxOutput,
      );
    } else return call;
    const { body } = jsonBody(json);
    return { ...call, json, body, outputCap: outputCap(call.operation, json) };
  },

  classify(response, call, provider) {
    const error = (response.body as { error?: Json } | undefined)?.error ?? {};
    const message =
      typeof error.message === 'string' ? error.message : response.text.slice(0, 300) || undefined;
    const code = typeof error.code === 'string' ? error.code : undefined;
    const type = typeof error.type === 'string' ? error.type : undefined;
    const requestId = response.headers['x-request-id'];
    const base = {
      provider,
      operation: call.operation,
      status: response.status,
      providerMessage: message,
      requestId,
    };
    // Quota or credit gone: no retry can succeed until someone pays.
    if (
      code === 'insufficient_quota' ||
      type === 'insufficient_quota' ||
      code === 'credit_balance_exhausted' ||
      code === 'billing_hard_limit_reached'
    ) {
      return holdfastError('PROVIDER_QUOTA_EXHAUSTED', { ...base, providerCode: code ?? type });
    }
    // "Request too large for gpt-4o (TPM): Limit 30000, Requested 34307": it will never fit.
    if (response.status === 429 && message && /request too large/i.test(message)) {
      return holdfastError(
        'PROVIDER_REJECTED',
        { ...base, providerCode: code ?? 'request_too_large' },
        { retryable: false },
      );
    }
    const classified = classifyStatus(response, provider, {
      operation: call.operation,
      providerMessage: message,
      providerCode: code,
      param: typeof error.param === 'string' ? error.param : undefined,
      requestId,
    });
    if (classified.code === 'PROVIDER_RATE_LIMITED')
      return withLimits(classified, response.headers, type, message);
    return classified;
  },

  usage(body, call) {
    const usage = (body as { usage?: Json } | undefined)?.usage;
    if (!usage) return undefined;
    return readUsage(usage, call.operation);
  },

  streamMeter(call, provider) {
    let text = 0;
    let usage: UsageCounts | undefined;
    return {
      accept(event) {
        if (event.data === '[DONE]') return { done: true };
        const data = JSON.parse(event.data) as Json;
        if (
          data.error ||
          event.event === 'error' ||
          data.type === 'error' ||
          data.type === 'response.failed'
        ) {
          throw streamError(
            provider,
            call,
            (data.error ?? (data.response as Json | undefined)?.error ?? data) as Json,
          );
        }
        if (call.operation === 'responses') {
          if (data.type === 'response.output_text.delta' && typeof data.delta === 'string')
            text += data.delta.length;
          if (data.type === 'response.completed') {
            const u = (data.response as Json | undefined)?.usage as Json | undefined;
            if (u) usage = readUsage(u, 'responses');
            return { value: data, done: true };
          }
        } else {
          for (const choice of (data.choices as Array<{ delta?: { content?: unknown } }> | undefined) ?? []) {
            if (typeof choice.delta?.content === 'string') text += choice.delta.content.length;
          }
          if (data.usage) usage = readUsage(data.usage as Json, call.operation);
        }
        return { value: data };
      },
      outputSoFar: () => usage?.output ?? Math.ceil(text / 4),
      inputSoFar: () => usage?.input,
      usage: () => usage,
    };
  },
};

function outputCap(operation: string, json: Json | undefined): number | undefined {
  if (!json) return 0;
  if (operation === 'embeddings') return 0;
  const n = typeof json.n === 'number' && json.n > 1 ? json.n : 1;
  const cap =
    operation === 'responses'
      ? json.max_output_tokens
      : typeof json.max_completion_tokens === 'number'
        ? json.max_completion_tokens
        : json.max_tokens;
  if (typeof cap === 'number') return cap * n;
  return operation === 'chat' || operation === 'responses' || operation === 'completions' ? undefined : 0;
}

function readUsage(usage: Json, operation: string): UsageCounts {
  if (operation === 'responses') {
    return {
      input: num(usage.input_tokens),
      output: num(usage.output_tokens),
      cached: num((usage.input_tokens_details as Json | undefined)?.cached_tokens),
    };
  }
  // Cached tokens are part of prompt_tokens; reasoning tokens part of completion_tokens.
  return {
    input: num(usage.prompt_tokens),
    output: num(usage.completion_tokens),
    cached: num((usage.prompt_tokens_details as Json | undefined)?.cached_tokens),
  };
}

/** Adds what OpenAI's x-ratelimit headers say about the exhausted limit. */
function withLimits(
  error: HoldfastError,
  headers: Record<string, string>,
  type: string | undefined,
  message: string | undefined,
): HoldfastError {
  const kind =
    type === 'requests' || type === 'tokens'
      ? type
      : headers['x-ratelimit-remaining-requests'] === '0'
        ? 'requests'
        : 'tokens';
  const limit = Number(headers[`x-ratelimit-limit-${kind}`]);
  const remaining = Number(headers[`x-ratelimit-remaining-${kind}`]);
  const reset = headers[`x-ratelimit-reset-${kind}`];
  const resetMs = reset === undefined ? undefined : parseGoDuration(reset);
  const hint = error.retryAfterMs ?? parseRetryHint(headers, { error: { message } })?.ms;
  return holdfastError(
    'PROVIDER_RATE_LIMITED',
    {
      ...(error.details as HoldfastError<'PROVIDER_RATE_LIMITED'>['details']),
      limitType: kind,
      limit: Number.isFinite(limit) ? limit : undefined,
      remaining: Number.isFinite(remaining) ? remaining : undefined,
      resetAt: resetMs === undefined ? undefined : new Date(Date.now() + resetMs).toISOString(),
      retryAfterMs: hint,
    },
    { retryAfterMs: hint, retryable: error.retryable },
  );
}

function streamError(provider: string, call: PreparedCall, error: Json): HoldfastError {
  const message = typeof error.message === 'string' ? error.message : 'error in stream';
  const type =
    typeof error.type === 'string' ? error.type : typeof error.code === 'string' ? error.code : undefined;
  const details = { provider, operation: call.operation, providerMessage: message, providerCode: type };
  if (type === 'rate_limit_exceeded') return holdfastError('PROVIDER_RATE_LIMITED', details);
  if (type === 'invalid_request_error') return holdfastError('PROVIDER_REJECTED', details);
  return holdfastError('PROVIDER_ERROR', details, { message: `${provider} failed mid-stream: ${message}` });
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
