import { type BackoffOptions, type BackoffPolicy, backoffPolicy } from '../resilience/backoff.js';
import type { BreakerPolicy } from '../resilience/circuit-breaker.js';
import { type Duration, parseDuration } from '../time/duration.js';
import type { ProviderKind, ProviderRequest } from './provider-types.js';

/** What the generic `http` adapter's extractors see of an answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** How a provider is configured (`providers: { openai: { kind: 'openai', apiKey, … } }`). */
export interface ProviderOptions {
  readonly kind: ProviderKind;
  /** Base URL; defaults to the provider's public API for openai, anthropic and gemini. */
  readonly baseUrl?: string;
  readonly apiKey?: string;
  /** Extra headers on every call (OpenAI-Organization, anthropic-beta…). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Connect / headers / body timeouts (defaults 3 s / 30 s / 60 s). */
  readonly timeouts?: { readonly connect?: Duration; readonly headers?: Duration; readonly body?: Duration };
  readonly retry?: {
    /** Attempts per call, the first included (default 3). */
    readonly attempts?: number;
    /** Backoff between inline attempts (default 500 ms, ×2, at most 5 s, decorrelated). */
    readonly backoff?: BackoffOptions;
    /**
     * Longest wait done inside a call (default 5 s). A provider hint longer than this ends the call
     * with a retryable error carrying retryAfterMs, so a pipeline parks its job instead of holding
     * a worker.
     */
    readonly maxInlineWait?: Duration;
  };
  /** Circuit breaker: consecutive failures (default 5, half-open after 30 s) or a failure rate; false for none. */
  readonly breaker?:
    | false
    | { readonly failures?: number; readonly halfOpenAfter?: Duration }
    | {
        readonly failureRate: number;
        readonly minimumCalls?: number;
        readonly window?: Duration;
        readonly halfOpenAfter?: Duration;
      };
  /** At most this many calls at once, with a bounded queue (default: no limit). */
  readonly bulkhead?: { readonly concurrency: number; readonly queue?: number };
  /** Response cache (default off): entries live `ttl`; `paths` limits it to some endpoints. */
  readonly cache?:
    | false
    | { readonly ttl: Duration; readonly max?: number; readonly paths?: readonly string[] };
  /** Another provider of the same kind to use while this one's breaker is open or its quota is gone. */
  readonly fallback?: string;
  /** Largest answer accepted (default 20 MB). */
  readonly maxResponseBytes?: number;
  /** Keep-alive connections to the provider (default 64). */
  readonly connections?: number;
  /** Budget meter of the tokens (default '<name>:tokens'). */
  readonly meter?: string;
  /** `http` kind: where the API key goes (default: `Authorization: Bearer`). */
  readonly auth?: { readonly header?: string; readonly query?: string };
  /** `http` kind: what an answer used, per meter (e.g. Keepa's tokensConsumed). */
  readonly usage?: (answer: HttpAnswer) => Readonly<Record<string, number>> | undefined;
  /** `http` kind: the worst case a request can use, per meter, reserved before it is sent. */
  readonly cost?: (request: ProviderRequest) => Readonly<Record<string, number>>;
  /** `http` kind: the balance the provider reports (e.g. Keepa's tokensLeft), per meter. */
  readonly balance?: (answer: HttpAnswer) => Readonly<Record<string, number>> | undefined;
  /** `http` kind: how long a refusal asks to wait (e.g. Keepa's refillIn), when headers do not say. */
  readonly retryAfter?: (answer: HttpAnswer) => number | undefined;
}

/** Options resolved, with every default applied (in one place). */
export interface ProviderConfig {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
  readonly maxInlineWaitMs: number;
  readonly breaker: BreakerPolicy | undefined;
  readonly bulkhead: { readonly concurrency: number; readonly queue: number } | undefined;
  readonly cache:
    | { readonly ttlMs: number; readonly max: number; readonly paths: readonly string[] | undefined }
    | undefined;
  readonly fallback: string | undefined;
  readonly maxResponseBytes: number;
  readonly connections: number;
  readonly meter: string;
  readonly options: ProviderOptions;
}

export const publicBaseUrls: Record<Exclude<ProviderKind, 'http'>, string> = {
  openai: 'https://api.openai.com',
  anthropic: 'https://api.anthropic.com',
  gemini: 'https://generativelanguage.googleapis.com',
};

export const providerDefaults = {
  connectTimeoutMs: 3000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 60_000,
  attempts: 3,
  backoff: { initial: '500ms', factor: 2, max: '5s' },
  maxInlineWaitMs: 5000,
  breakerFailures: 5,
  halfOpenAfterMs: 30_000,
  maxResponseBytes: 20 * 1024 * 1024,
  connections: 64,
} as const;

/** Checks and resolves a provider's options; a bad one throws a RangeError naming it. */
export function resolveProviderConfig(name: string, options: ProviderOptions): ProviderConfig {
  const where = `providers.${name}`;
  if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/.test(name))
    throw new RangeError(`provider name '${name}' must be letters, digits, '_' or '-'`);
  const kinds: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'http'];
  if (!kinds.includes(options.kind))
    throw new RangeError(`${where}.kind must be one of ${kinds.join(', ')}, got '${String(options.kind)}'`);
  const baseUrl = options.baseUrl ?? (options.kind === 'http' ? undefined : publicBaseUrls[options.kind]);
  if (baseUrl === undefined) throw new RangeError(`${where}.baseUrl is required for kind 'http'`);
  try {
    new URL(baseUrl);
  } catch {
    throw new RangeError(`${where}.baseUrl must be an absolute URL, got '${baseUrl}'`);
  }
  const ms = (value: Duration | undefined, fallback: number, field: string) =>
    value === undefined ? fallback : parseDuration(value, `${where}.${field}`);
  const attempts = options.retry?.attempts ?? providerDefaults.attempts;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) {
    throw new RangeError(`${where}.retry.attempts must be a whole number from 1 to 20, got ${attempts}`);
  }
  const halfOpen = (b: { halfOpenAfter?: Duration }) =>
    ms(b.halfOpenAfter, providerDefaults.halfOpenAfterMs, 'breaker.halfOpenAfter');
  let breaker: BreakerPolicy | undefined;
  if (options.breaker === false) breaker = undefined;
  else if (options.breaker && 'failureRate' in options.breaker) {
    breaker = {
      kind: 'rate',
      threshold: options.breaker.failureRate,
      minimumCalls: options.breaker.minimumCalls ?? 10,
      windowMs: ms(options.breaker.window, 60_000, 'breaker.window'),
      halfOpenAfterMs: halfOpen(options.breaker),
    };
  } else {
    breaker = {
      kind: 'consecutive',
      threshold: options.breaker?.failures ?? providerDefaults.breakerFailures,
      halfOpenAfterMs: halfOpen(options.breaker ?? {}),
    };
  }
  if (
    options.bulkhead &&
    !(Number.isInteger(options.bulkhead.concurrency) && options.bulkhead.concurrency >= 1)
  ) {
    throw new RangeError(`${where}.bulkhead.concurrency must be a whole number ≥ 1`);
  }
  if (options.kind === 'http' && options.usage !== undefined && typeof options.usage !== 'function') {
    throw new RangeError(`${where}.usage must be a function (answer) => ({ meter: amount })`);
  }
  return {
    name,
    kind: options.kind,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey,
    headers: options.headers ?? {},
    connectTimeoutMs: ms(options.timeouts?.connect, providerDefaults.connectTimeoutMs, 'timeouts.connect'),
    headersTimeoutMs: ms(options.timeouts?.headers, providerDefaults.headersTimeoutMs, 'timeouts.headers'),
    bodyTimeoutMs: ms(options.timeouts?.body, providerDefaults.bodyTimeoutMs, 'timeouts.body'),
    attempts,
    backoff: backoffPolicy(options.retry?.backoff ?? providerDefaults.backoff, `${where}.retry.backoff`),
    maxInlineWaitMs: ms(
      options.retry?.maxInlineWait,
      providerDefaults.maxInlineWaitMs,
      'retry.maxInlineWait',
    ),
    breaker,
    bulkhead: options.bulkhead
      ? { concurrency: options.bulkhead.concurrency, queue: options.bulkhead.queue ?? 1000 }
      : undefined,
    cache: options.cache
      ? {
          ttlMs: parseDuration(options.cache.ttl, `${where}.cache.ttl`),
          max: options.cache.max ?? 10_000,
          paths: options.cache.paths,
        }
      : undefined,
    fallback: options.fallback,
    maxResponseBytes: options.maxResponseBytes ?? providerDefaults.maxResponseBytes,
    connections: options.connections ?? providerDefaults.connections,
    meter: options.meter ?? `${name}:tokens`,
    options,
  };
}
