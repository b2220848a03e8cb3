import { configError } from '../errors/config-error.js';
import { type BackoffOptions, type BackoffPolicy, backoffPolicy } from '../resilience/backoff.js';
import type { BreakerPolicy } from '../resilience/circuit-breaker.js';
import { type Duration, parseDuration } from '../time/duration.js';
import { type Environment, providerEnvironment, readEnvironment } from './provider-env.js';
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
  /**
   * Base URL. Default: the variable the official SDK reads (OPENAI_BASE_URL, ANTHROPIC_BASE_URL,
   * GOOGLE_GEMINI_BASE_URL), else the provider's public API. A base URL that ends with the API
   * version (`http://127.0.0.1:9090/v1`, as OPENAI_BASE_URL is written) is joined to request
   * paths that start with it (`/v1/chat/completions`) without doubling it.
   */
  readonly baseUrl?: string;
  /**
   * API key. Default: the variable the official SDK reads (OPENAI_API_KEY, ANTHROPIC_API_KEY,
   * GOOGLE_API_KEY or GEMINI_API_KEY). openai, anthropic and gemini need one, as does an `http`
   * provider with `auth`: without it the provider is refused at construction (CONFIG_INVALID).
   */
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
  /** Where the base URL and key came from: 'options', a variable's name, or 'default'. */
  readonly sources: { readonly baseUrl: string; readonly apiKey: string | undefined };
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

/**
 * Checks and resolves a provider's options; a bad one is CONFIG_INVALID naming it. The base URL
 * and key fall back to the environment variables of the official SDKs (`env`, default
 * process.env); options given in code win.
 */
export function resolveProviderConfig(
  name: string,
  options: ProviderOptions,
  env: Environment = process.env,
): ProviderConfig {
  const where = `providers.${name}`;
  if (!/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/.test(name))
    throw configError(
      where,
      [
        "has an invalid name: use up to 64 letters, digits, '_' or '-', starting with a letter",
        "a un nom invalide : utilisez jusqu'à 64 lettres, chiffres, '_' ou '-', en commençant par une lettre",
      ],
      name,
    );
  const kinds: ProviderKind[] = ['openai', 'anthropic', 'gemini', 'http'];
  if (!kinds.includes(options?.kind))
    throw configError(
      `${where}.kind`,
      [`must be one of ${kinds.join(', ')}`, `doit valoir ${kinds.join(', ')}`],
      options?.kind,
    );
  const variables = providerEnvironment[options.kind];
  const envBase = readEnvironment(env, variables.baseUrl);
  const base =
    options.baseUrl !== undefined
      ? { value: options.baseUrl, source: 'options' }
      : envBase
        ? { value: envBase.value, source: envBase.variable }
        : options.kind === 'http'
          ? undefined
          : { value: publicBaseUrls[options.kind], source: 'default' };
  if (base === undefined)
    throw configError(`${where}.baseUrl`, [
      "is required for kind 'http'",
      "est obligatoire pour le type 'http'",
    ]);
  let parsed: URL | undefined;
  try {
    parsed = new URL(base.value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw configError(
      `${where}.baseUrl`,
      [
        'must be an absolute http(s) URL such as https://api.openai.com/v1',
        'doit être une URL http(s) absolue comme https://api.openai.com/v1',
      ],
      base.value,
      base.source === 'options' ? undefined : base.source,
    );
  const ms = (value: Duration | undefined, fallback: number, field: string) =>
    value === undefined ? fallback : parseDuration(value, `${where}.${field}`);
  const whole = (field: string, value: number | undefined, min: number, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max))
      throw configError(
        `${where}.${field}`,
        max === Number.MAX_SAFE_INTEGER
          ? [
              `must be a whole number of ${min} or more`,
              `doit être un nombre entier supérieur ou égal à ${min}`,
            ]
          : [`must be a whole number from ${min} to ${max}`, `doit être un nombre entier de ${min} à ${max}`],
        value,
      );
  };
  const many = Number.MAX_SAFE_INTEGER;
  const attempts = options.retry?.attempts ?? providerDefaults.attempts;
  whole('retry.attempts', attempts, 1, 20);
  const halfOpen = (b: { halfOpenAfter?: Duration }) =>
    ms(b.halfOpenAfter, providerDefaults.halfOpenAfterMs, 'breaker.halfOpenAfter');
  let breaker: BreakerPolicy | undefined;
  if (options.breaker === false) breaker = undefined;
  else if (options.breaker && 'failureRate' in options.breaker) {
    const rate = options.breaker.failureRate;
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1))
      throw configError(
        `${where}.breaker.failureRate`,
        [
          'must be a fraction above 0 and at most 1, such as 0.5',
          'doit être une fraction supérieure à 0 et au plus 1, comme 0.5',
        ],
        rate,
      );
    whole('breaker.minimumCalls', options.breaker.minimumCalls, 1, many);
    breaker = {
      kind: 'rate',
      threshold: rate,
      minimumCalls: options.breaker.minimumCalls ?? 10,
      windowMs: ms(options.breaker.window, 60_000, 'breaker.window'),
      halfOpenAfterMs: halfOpen(options.breaker),
    };
  } else {
    whole('breaker.failures', options.breaker?.failures, 1, many);
    breaker = {
      kind: 'consecutive',
      threshold: options.breaker?.failures ?? providerDefaults.breakerFailures,
      halfOpenAfterMs: halfOpen(options.breaker ?? {}),
    };
  }
  whole(
    'bulkhead.concurrency',
    options.bulkhead ? (options.bulkhead.concurrency ?? Number.NaN) : undefined,
    1,
    many,
  );
  whole('bulkhead.queue', options.bulkhead?.queue, 0, many);
  whole('maxResponseBytes', options.maxResponseBytes, 1, many);
  whole('connections', options.connections, 1, 10_000);
  if (options.cache) whole('cache.max', options.cache.max, 1, many);
  for (const field of ['usage', 'cost', 'balance', 'retryAfter'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'function')
      throw configError(
        `${where}.${field}`,
        ['must be a function of the answer', 'doit être une fonction de la réponse'],
        options[field],
      );
  }
  const apiKey = resolveApiKey(where, options, env);
  return {
    name,
    kind: options.kind,
    baseUrl: base.value.replace(/\/+$/, ''),
    apiKey: apiKey?.value,
    sources: { baseUrl: base.source, apiKey: apiKey?.source },
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

/**
 * The key: the option, else the SDK's variable. The paid APIs always need one, an `http`
 * provider when it says where the key goes (`auth`); a missing one is refused now, rather than
 * as a 401 on the first paid call.
 */
function resolveApiKey(
  where: string,
  options: ProviderOptions,
  env: Environment,
): { value: string; source: string } | undefined {
  const variables = providerEnvironment[options.kind].apiKey;
  if (options.apiKey !== undefined && typeof options.apiKey !== 'string')
    throw configError(
      `${where}.apiKey`,
      ['must be a string', 'doit être une chaîne de caractères'],
      options.apiKey,
    );
  const fromEnv = options.apiKey === undefined ? readEnvironment(env, variables) : undefined;
  const key = options.apiKey?.trim()
    ? { value: options.apiKey, source: 'options' }
    : fromEnv
      ? { value: fromEnv.value, source: fromEnv.variable }
      : undefined;
  const needed = options.kind !== 'http' || options.auth !== undefined;
  if (key === undefined && needed) {
    const orVariable = variables.length > 0 ? `, or set ${variables.join(' or ')}` : '';
    const orVariableFr = variables.length > 0 ? `, ou définissez ${variables.join(' ou ')}` : '';
    throw configError(
      `${where}.apiKey`,
      [
        `is missing: ${options.kind} needs an API key; pass \`apiKey\`${orVariable}`,
        `est absente : ${options.kind} demande une clé d'API ; passez \`apiKey\`${orVariableFr}`,
      ],
      options.apiKey === '' ? '' : undefined,
    );
  }
  return key;
}
