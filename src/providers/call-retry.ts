import { type HoldfastError, hasCode, holdfastError } from '../errors/holdfast-error.js';
import { type BackoffPolicy, backoffDelay } from '../resilience/backoff.js';
import { rateLimitBeyondDeadline } from '../resilience/retry-decision.js';

export interface CallRetryInput {
  readonly error: HoldfastError;
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Time left before the caller's deadline (Infinity without one). */
  readonly remainingMs: number;
  /** Longest wait done inside the call; longer ones are handed back to the caller. */
  readonly maxInlineWaitMs: number;
  readonly backoff: BackoffPolicy;
  readonly previousDelayMs: number | undefined;
  readonly random: (() => number) | undefined;
}

export type CallRetryDecision =
  | { readonly kind: 'wait'; readonly ms: number }
  | { readonly kind: 'fail'; readonly error: HoldfastError };

/**
 * Whether a provider call waits and tries again, or ends with which error — a pure function.
 * Unlike a job's retry (decideRetry), a call hands long waits back: it fails retryable with the
 * wait attached, so a pipeline's job is parked until then instead of holding a worker. A provider
 * hint that runs past the caller's deadline fails at once and says so (G6), whatever attempt it is.
 */
export function decideCallRetry(input: CallRetryInput): CallRetryDecision {
  const { error } = input;
  if (!error.retryable) return { kind: 'fail', error };
  const hinted = error.retryAfterMs !== undefined;
  const delay = hinted
    ? error.retryAfterMs!
    : backoffDelay(input.attempt, input.backoff, input.previousDelayMs, input.random);
  if (hinted && delay >= input.remainingMs) {
    return {
      kind: 'fail',
      error: hasCode(error, 'PROVIDER_RATE_LIMITED')
        ? rateLimitBeyondDeadline(error, delay, Math.max(0, Math.floor(input.remainingMs)))
        : error,
    };
  }
  if (input.attempt >= input.maxAttempts) return { kind: 'fail', error };
  if (delay > input.maxInlineWaitMs)
    return { kind: 'fail', error: hinted ? error : withRetryAfter(error, delay) };
  if (delay >= input.remainingMs) return { kind: 'fail', error };
  return { kind: 'wait', ms: delay };
}

/** The same error, retryable after `ms`. */
export function withRetryAfter(error: HoldfastError, ms: number): HoldfastError {
  return holdfastError(error.code, error.details as never, {
    message: error.message,
    retryable: true,
    retryAfterMs: ms,
    cause: error.cause,
  });
}
