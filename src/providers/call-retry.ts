import type { ErrorCode } from '../errors/error-codes.js';
import type { CallDecision } from '../errors/error-details.js';
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
 * The error it ends with carries the decision (`details.decision`), so that its recommendations
 * say what was done rather than what is usually done.
 */
export function decideCallRetry(input: CallRetryInput): CallRetryDecision {
  const { error } = input;
  if (!error.retryable) return fail(noteDecision(error, input, 'not-retryable'));
  const hinted = error.retryAfterMs !== undefined;
  const delay = hinted
    ? error.retryAfterMs!
    : backoffDelay(input.attempt, input.backoff, input.previousDelayMs, input.random);
  if (hinted && delay >= input.remainingMs) {
    const beyond = hasCode(error, 'PROVIDER_RATE_LIMITED')
      ? rateLimitBeyondDeadline(error, delay, Math.max(0, Math.floor(input.remainingMs)))
      : error;
    return fail(noteDecision(beyond, input, 'beyond-deadline', delay));
  }
  if (input.attempt >= input.maxAttempts) return fail(noteDecision(error, input, 'attempts-used'));
  if (delay > input.maxInlineWaitMs)
    return fail(noteDecision(hinted ? error : withRetryAfter(error, delay), input, 'handed-back', delay));
  if (delay >= input.remainingMs) return fail(noteDecision(error, input, 'beyond-deadline', delay));
  return { kind: 'wait', ms: delay };
}

function fail(error: HoldfastError): CallRetryDecision {
  return { kind: 'fail', error };
}

/** Codes whose details have room for a call's decision (ProviderBase). */
const providerCodes = new Set<ErrorCode>([
  'PROVIDER_TIMEOUT',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_QUOTA_EXHAUSTED',
  'PROVIDER_OVERLOADED',
  'PROVIDER_ERROR',
  'PROVIDER_REJECTED',
  'PROVIDER_UNREACHABLE',
]);

/**
 * The same error with what the call decided about it: the attempt it was, the attempts allowed,
 * the decision, the wait it is about and the time left before the deadline. Other codes pass
 * unchanged.
 */
export function noteDecision(
  error: HoldfastError,
  input: Pick<CallRetryInput, 'attempt' | 'maxAttempts' | 'remainingMs'>,
  decision: CallDecision,
  waitMs?: number,
): HoldfastError {
  if (!providerCodes.has(error.code)) return error;
  const remaining = Number.isFinite(input.remainingMs)
    ? Math.max(0, Math.floor(input.remainingMs))
    : undefined;
  return holdfastError(
    error.code,
    {
      ...error.details,
      attempts: input.attempt,
      maxAttempts: input.maxAttempts,
      decision,
      ...(waitMs === undefined ? {} : { waitMs: Math.round(waitMs) }),
      ...(remaining === undefined ? {} : { remainingMs: remaining }),
    } as never,
    {
      message: error.message,
      retryable: error.retryable,
      retryAfterMs: error.retryAfterMs,
      cause: error.cause,
    },
  );
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
