import type { HoldfastError } from '../errors/holdfast-error.js';

export type ProviderKind = 'openai' | 'anthropic' | 'gemini' | 'http';

/** A call to a provider, in the provider's own terms (path and JSON body of its API). */
export interface ProviderRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the provider's base URL, e.g. '/v1/chat/completions' or '/product'. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Use (and fill) the response cache for this call: true, false, or a TTL. Default: the provider's setting. */
  readonly cache?: boolean | { readonly ttl: number | string };
}

/** Token usage of one call, normalised across providers. */
export interface Usage {
  readonly provider: string;
  readonly model: string | undefined;
  /** The main budget meter of the call, e.g. 'openai:tokens'. */
  readonly meter: string;
  /** Prompt tokens, cached ones included (what the provider counts as input). */
  readonly input: number;
  /** Generated tokens (reasoning/thinking included). */
  readonly output: number;
  /** Input tokens served from the provider's cache (billed at a discount). */
  readonly cached: number;
  /** Amount per budget meter, as a BudgetGate settles it. */
  readonly meters: Readonly<Record<string, number>>;
}

export interface ProviderResponse<B = unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: B;
  /** Undefined only when the provider reported none (a cached answer has zero usage). */
  readonly usage: Usage | undefined;
  /** Attempts made (1 when the first succeeded). */
  readonly attempts: number;
  readonly cached: boolean;
  /** The provider that answered (differs from the one called after a fallback). */
  readonly provider: string;
  readonly durationMs: number;
}

/** A streamed answer: parsed events as they arrive; usage once the stream has ended. */
export interface ProviderStream extends AsyncIterable<unknown> {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly provider: string;
  /** Resolves after the stream ended (or failed) with what it used. */
  readonly usage: Promise<Usage | undefined>;
  /** Stops the stream; what was used so far is still settled. */
  abort(reason?: unknown): void;
}

/** One attempt of a call, for events and logs: retries are visible one by one. */
export interface CallAttempt {
  readonly provider: string;
  readonly operation: string;
  readonly attempt: number;
  readonly status: number | undefined;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'retry' | 'error' | 'cached';
  readonly usage?: Readonly<Record<string, number>> | undefined;
  readonly error?: HoldfastError | undefined;
  /** For a retry: how long the client waits before the next attempt. */
  readonly retryInMs?: number | undefined;
}

/** How a caller runs a call: its cancellation, its deadline, whom it bills, who listens. */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Epoch ms after which the call must not continue (a step's or job's deadline). */
  readonly deadline?: number | undefined;
  readonly budget?: BudgetContext | undefined;
  readonly onAttempt?: ((attempt: CallAttempt) => void) | undefined;
}

/** Whose budget a call draws on. */
export interface BudgetContext {
  readonly jobId?: string | undefined;
  /** The lease epoch of the job's attempt: holds of an attempt that died are reaped. */
  readonly epoch?: number | undefined;
  readonly tenant?: string | null | undefined;
  readonly step?: string | undefined;
}
