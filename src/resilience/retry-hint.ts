/**
 * How long a provider asked us to wait, read from wherever it said so. Providers disagree:
 * - `retry-after-ms: 1146` (OpenAI), the most precise, wins;
 * - `Retry-After: 2` (seconds) or `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT` (HTTP date);
 * - Gemini's body: `google.rpc.RetryInfo.retryDelay: "53.016s"` (a protobuf Duration);
 * - OpenAI's message text: "Please try again in 1.146s" (also `20ms`, `6m0s`);
 * - OpenAI's `x-ratelimit-reset-tokens: 6m0s` / `-requests: 12ms` (Go durations), last resort.
 */

export type HintSource = 'retry-after-ms' | 'retry-after' | 'retry-info' | 'message' | 'x-ratelimit-reset';

export interface RetryHint {
  readonly ms: number;
  readonly source: HintSource;
}

/** Header lookup, case-insensitive names. */
export type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

export function parseRetryHint(
  headers: Headers,
  body: unknown,
  now: number = Date.now(),
): RetryHint | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim()))
    return { ms: Math.ceil(Number(ms)), source: 'retry-after-ms' };

  const after = header(headers, 'retry-after');
  if (after !== undefined) {
    const parsed = parseRetryAfter(after, now);
    if (parsed !== undefined) return { ms: parsed, source: 'retry-after' };
  }

  const info = retryInfoDelay(body);
  if (info !== undefined) return { ms: info, source: 'retry-info' };

  const message = messageDelay(body);
  if (message !== undefined) return { ms: message, source: 'message' };

  const reset = rateLimitReset(headers);
  if (reset !== undefined) return { ms: reset, source: 'x-ratelimit-reset' };
  return undefined;
}

/** `Retry-After` is delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A Go duration as OpenAI writes them: `12ms`, `1.146s`, `6m0s`, `1h2m3.5s`, `250us`. */
export function parseGoDuration(value: string): number | undefined {
  const text = value.trim();
  const part = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    const n = Number(match[1]);
    const unit = match[2];
    total +=
      unit === 'h'
        ? n * 3_600_000
        : unit === 'm'
          ? n * 60_000
          : unit === 's'
            ? n * 1000
            : unit === 'ms'
              ? n
              : unit === 'ns'
                ? n / 1e6
                : n / 1000;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) return undefined;
  return Math.ceil(total);
}

/** Gemini: error.details[] has `{ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "53.016s" }`. */
export function retryInfoDelay(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<Record<string, unknown>>) {
    if (typeof detail?.['@type'] === 'string' && detail['@type'].endsWith('google.rpc.RetryInfo')) {
      const delay = detail.retryDelay;
      // A protobuf Duration in JSON is "<seconds>s" with up to 9 fractional digits.
      if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay))
        return Math.ceil(Number(delay.slice(0, -1)) * 1000);
      if (delay && typeof delay === 'object') {
        const d = delay as { seconds?: unknown; nanos?: unknown };
        return Math.ceil(Number(d.seconds ?? 0) * 1000 + Number(d.nanos ?? 0) / 1e6);
      }
    }
  }
  return undefined;
}

/** "Please try again in 1.146s." (OpenAI) or "Please retry in 53.016342224s." (Gemini). */
export function messageDelay(body: unknown): number | undefined {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : undefined;
  if (!message) return undefined;
  const match = /(?:try again|retry) in (\d+(?:\.\d+)?(?:h|ms|m|s)(?:\d+(?:\.\d+)?(?:ms|m|s))*)/i.exec(
    message,
  );
  return match ? parseGoDuration(match[1]!) : undefined;
}

/**
 * OpenAI's reset headers say when a window frees up. The one that matters is the window that is
 * exhausted (remaining 0); if neither is, the later reset is the safe wait.
 */
function rateLimitReset(headers: Headers): number | undefined {
  const windows = ['tokens', 'requests'].map((kind) => ({
    remaining: header(headers, `x-ratelimit-remaining-${kind}`),
    reset: header(headers, `x-ratelimit-reset-${kind}`),
  }));
  const exhausted = windows.find((w) => w.remaining === '0' && w.reset !== undefined);
  if (exhausted) return parseGoDuration(exhausted.reset!);
  const resets = windows
    .map((w) => (w.reset === undefined ? undefined : parseGoDuration(w.reset)))
    .filter((v) => v !== undefined);
  return resets.length > 0 ? Math.max(...(resets as number[])) : undefined;
}
