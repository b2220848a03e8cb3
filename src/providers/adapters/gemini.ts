import { type HoldfastError, holdfastError } from '../../errors/holdfast-error.js';
import { type Adapter, jsonBody, type PreparedCall, type UsageCounts, withQuery } from '../adapter.js';
import { classifyStatus } from '../classify-status.js';

type Json = Record<string, unknown>;

const action =
  /\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents|countTokens)$/;

/** Gemini (Generative Language API): generateContent, streamGenerateContent, embeddings. */
export const geminiAdapter: Adapter = {
  kind: 'gemini',

  prepare(request, config) {
    const json = request.body as Json | undefined;
    const match = action.exec(request.path);
    const verb = match?.[2];
    const stream = verb === 'streamGenerateContent';
    // The stream is SSE only when asked for with alt=sse.
    const query = stream ? { ...request.query, alt: 'sse' } : request.query;
    const { body, bytes } = jsonBody(json);
    const operation =
      verb === 'generateContent'
        ? 'generate'
        : stream
          ? 'stream'
          : verb === 'countTokens'
            ? 'count'
            : verb
              ? 'embed'
              : `${request.method ?? 'POST'} ${request.path}`;
    return {
      method: request.method ?? (json === undefined ? 'GET' : 'POST'),
      path: withQuery(request.path, query),
      headers: {
        ...(config.apiKey ? { 'x-goog-api-key': config.apiKey } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...config.headers,
        ...request.headers,
      },
      json,
      body,
      stream,
      operation,
      model: match?.[1],
      inputBound: bytes,
      outputCap: operation === 'generate' || operation === 'stream' ? maxOutput(json) : 0,
    };
  },

  capOutput(call, cap) {
    if (call.operation !== 'generate' && call.operation !== 'stream') return call;
    const json = { ...(call.json as Json) };
    const config = { ...((json.generationConfig as Json | undefined) ?? {}) };
    config.maxOutputTokens = Math.max(
      1,
      Math.min(typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : cap, cap),
    );
    json.generationConfig = config;
    const { body } = jsonBody(json);
    return { ...call, json, body, outputCap: config.maxOutputTokens as number };
  },

  classify(response, call, provider) {
    const error = (response.body as { error?: Json } | undefined)?.error ?? {};
    const message =
      typeof error.message === 'string' ? error.message : response.text.slice(0, 300) || undefined;
    const status = typeof error.status === 'string' ? error.status : undefined;
    const details = Array.isArray(error.details) ? (error.details as Json[]) : [];
    const base = { provider, operation: call.operation, status: response.status, providerMessage: message };
    const quotaIds = details
      .filter((d) => String(d['@type']).endsWith('google.rpc.QuotaFailure'))
      .flatMap((d) => (d.violations as Json[] | undefined) ?? [])
      .map((v) => String(v.quotaId ?? ''));
    // A per-day quota can take hours to come back: treat it as exhausted, not as a rate limit.
    const daily = quotaIds.find((id) => id.includes('PerDay'));
    if (response.status === 429 && daily) {
      return holdfastError('PROVIDER_QUOTA_EXHAUSTED', { ...base, providerCode: status, quotaId: daily });
    }
    const reason = details.find((d) => String(d['@type']).endsWith('google.rpc.ErrorInfo'))?.reason;
    if (reason === 'API_KEY_INVALID') {
      return holdfastError(
        'PROVIDER_REJECTED',
        { ...base, providerCode: 'API_KEY_INVALID' },
        { retryable: false },
      );
    }
    const classified = classifyStatus(response, provider, {
      operation: call.operation,
      providerMessage: message,
      providerCode: status,
    });
    if (classified.code === 'PROVIDER_RATE_LIMITED' && quotaIds[0]) {
      return holdfastError(
        'PROVIDER_RATE_LIMITED',
        {
          ...(classified.details as HoldfastError<'PROVIDER_RATE_LIMITED'>['details']),
          limitType: quotaIds[0],
        },
        { retryAfterMs: classified.retryAfterMs },
      );
    }
    return classified;
  },

  usage(body) {
    const usage = (body as { usageMetadata?: Json } | undefined)?.usageMetadata;
    return usage ? readUsage(usage) : undefined;
  },

  streamMeter(call, provider) {
    let usage: UsageCounts | undefined;
    let text = 0;
    let finished = false;
    return {
      accept(event) {
        const data = JSON.parse(event.data) as Json;
        if (data.error) throw streamError(provider, call, data.error as Json);
        for (const candidate of (data.candidates as
          | Array<{ content?: { parts?: Array<{ text?: unknown }> }; finishReason?: unknown }>
          | undefined) ?? []) {
          for (const part of candidate.content?.parts ?? [])
            if (typeof part.text === 'string') text += part.text.length;
          if (candidate.finishReason) finished = true;
        }
        // Each chunk's usageMetadata is the running total; the last one is final.
        if (data.usageMetadata) usage = readUsage(data.usageMetadata as Json);
        return { value: data, done: finished };
      },
      outputSoFar: () => Math.max(usage?.output ?? 0, Math.ceil(text / 4)),
      inputSoFar: () => usage?.input,
      usage: () => (finished ? usage : undefined),
    };
  },
};

function maxOutput(json: Json | undefined): number | undefined {
  const value = (json?.generationConfig as Json | undefined)?.maxOutputTokens;
  return typeof value === 'number' ? value : undefined;
}

/** promptTokenCount includes cached content; thinking tokens are output. */
function readUsage(usage: Json): UsageCounts {
  return {
    input: num(usage.promptTokenCount) + num(usage.toolUsePromptTokenCount),
    output: num(usage.candidatesTokenCount) + num(usage.thoughtsTokenCount),
    cached: num(usage.cachedContentTokenCount),
  };
}

function streamError(provider: string, call: PreparedCall, error: Json): HoldfastError {
  const code = typeof error.code === 'number' ? error.code : 500;
  const message = typeof error.message === 'string' ? error.message : 'error in stream';
  const details = {
    provider,
    operation: call.operation,
    status: code,
    providerMessage: message,
    providerCode: String(error.status ?? ''),
  };
  if (code === 503 || code === 529)
    return holdfastError('PROVIDER_OVERLOADED', details, {
      message: `${provider} overloaded mid-stream: ${message}`,
    });
  if (code === 429) return holdfastError('PROVIDER_RATE_LIMITED', details);
  if (code >= 400 && code < 500) return holdfastError('PROVIDER_REJECTED', details);
  return holdfastError('PROVIDER_ERROR', details, { message: `${provider} failed mid-stream: ${message}` });
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
