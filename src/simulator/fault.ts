/** The providers the simulator speaks for. */
export type ProviderName = 'openai' | 'anthropic' | 'gemini' | 'keepa';
export const providerNames: readonly ProviderName[] = ['openai', 'anthropic', 'gemini', 'keepa'];

/** The routes of each provider, as fault rules and the request log name them. */
export const faultRoutes: Readonly<Record<ProviderName, readonly string[]>> = {
  openai: ['chat', 'embeddings', 'responses', 'models'],
  anthropic: ['messages', 'count'],
  gemini: ['generate', 'stream', 'embed', 'count', 'models'],
  keepa: ['product', 'token'],
};

/** The error statuses each provider can answer with its own error body (429 is `rate-limit`). */
export const faultStatuses: readonly number[] = [400, 401, 403, 404, 408, 409, 500, 502, 503, 504, 529];

/** What can go wrong. Each provider renders a fault in its own wire format. */
export type Fault =
  /** Added delay before the answer: fixed, uniform in [min, max], or exponential around `mean`. */
  | {
      readonly kind: 'latency';
      readonly ms?: number;
      readonly min?: number;
      readonly max?: number;
      readonly mean?: number;
    }
  /** Accept the request and never answer, until the client gives up. */
  | { readonly kind: 'hang' }
  /** 429 rate limit in the provider's style, with its wait hint (default 1.2 s). */
  | { readonly kind: 'rate-limit'; readonly retryAfterMs?: number }
  /** Quota or credit exhausted: OpenAI insufficient_quota, Anthropic spend limit, Gemini quota. */
  | { readonly kind: 'quota' }
  /** OpenAI's credit_balance_exhausted variant; Gemini's per-day quota. */
  | { readonly kind: 'daily-quota' }
  /** An error status with the provider's body: 400, 401, 403, 404, 408, 409, 500, 502, 503, 529… */
  | { readonly kind: 'status'; readonly status: number }
  /** Close the connection with a TCP reset before answering. */
  | { readonly kind: 'reset' }
  /** 200 with a body that is not valid JSON. */
  | { readonly kind: 'malformed' }
  /** Send half the answer (or half the stream), then nothing more. */
  | { readonly kind: 'stall' }
  /** Send half the answer (or half the stream), then drop the connection. */
  | { readonly kind: 'break' }
  /** A stream that reports an error half-way inside its 200 (Anthropic's mid-stream overloaded_error). */
  | { readonly kind: 'stream-error' };

export type FaultKind = Fault['kind'];

export const faultKindNames: readonly FaultKind[] = [
  'latency',
  'hang',
  'rate-limit',
  'quota',
  'daily-quota',
  'status',
  'reset',
  'malformed',
  'stall',
  'break',
  'stream-error',
];

/** When a rule fires. Every mode reproduces exactly for the same seed and request order. */
export type FaultMode =
  | { readonly kind: 'always' }
  /** Each matching request, with this probability, drawn from the rule's own seeded generator. */
  | { readonly kind: 'probability'; readonly p: number }
  /** The next `n` matching requests. */
  | { readonly kind: 'next'; readonly n: number }
  /** Requests arriving in [fromMs, toMs) after the simulator started (or was reset). */
  | { readonly kind: 'window'; readonly fromMs: number; readonly toMs: number };

export interface FaultRule {
  /** Omitted: every provider. */
  readonly provider?: ProviderName;
  /** e.g. 'chat', 'embeddings', 'responses', 'messages', 'generate', 'stream', 'embed', 'count', 'product'. */
  readonly route?: string;
  /** Only requests made with this API key. */
  readonly apiKey?: string;
  readonly fault: Fault;
  readonly mode?: FaultMode;
}

export const faultKinds: ReadonlyArray<{ readonly name: string; readonly help: string }> = [
  {
    name: 'latency=DUR | latency=MIN-MAX | latency=exp:MEAN',
    help: 'delay the answer (fixed, uniform, exponential)',
  },
  { name: 'hang', help: 'never answer; the client must time out' },
  {
    name: '429 | 429=DUR | rate-limit',
    help: "rate limit in the provider's style; DUR is the wait hint (default 1.2s)",
  },
  {
    name: 'quota',
    help: 'quota/credit exhausted (OpenAI insufficient_quota, Anthropic spend limit, Gemini quota)',
  },
  {
    name: 'daily-quota',
    help: 'Gemini per-day quota (QuotaFailure …PerDay…); OpenAI credit_balance_exhausted',
  },
  {
    name: faultStatuses.join(' | '),
    help: "that status with the provider's error body",
  },
  { name: 'overloaded', help: 'same as 529 (Anthropic overloaded_error; 503 UNAVAILABLE for Gemini)' },
  { name: 'reset', help: 'drop the connection with a TCP reset before answering' },
  { name: 'malformed', help: '200 with a body that is not valid JSON' },
  { name: 'stall', help: 'send half the answer or stream, then nothing' },
  { name: 'break', help: 'send half the answer or stream, then drop the connection' },
  { name: 'stream-error', help: 'an error event half-way through a 200 stream (Anthropic overloaded_error)' },
];
