import { type HoldfastError, hasCode, holdfastError } from '../errors/holdfast-error.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';

export interface RetryInput {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** The last attempt allowed. */
  readonly maxAttempts: number;
  readonly error: HoldfastError;
  readonly now: number;
  /** When the work must be finished; undefined for no deadline. */
  readonly deadline: number | undefined;
  /** Length of the deadline, for the diagnosis. */
  readonly timeoutMs?: number | undefined;
  readonly backoff: BackoffPolicy;
  /** The delay chosen before the previous retry (for decorrelated jitter). */
  readonly previousDelayMs?: number | undefined;
  readonly random?: () => number;
}

export type RetryDecision =
  | {
      readonly kind: 'retry';
      readonly delayMs: number;
      /** 'hint' when the failing party said how long to wait, 'backoff' otherwise. */
      readonly source: 'hint' | 'backoff';
    }
  | {
      readonly kind: 'give-up';
      readonly reason: 'not-retryable' | 'attempts-exhausted' | 'deadline';
      /** The error to report: the original one, or one that explains the deadline. */
      readonly error: HoldfastError;
    };

/**
 * Whether and when to try again after a failure — a pure function of the facts (G6):
 * - never for an error that is not retryable (quota exhausted, 4xx, NonRetriableError, budgets);
 * - never past the attempt limit;
 * - after the failing party's own hint (`retryAfterMs`) when it gave one, else after the backoff;
 * - and never past the deadline: a wait that would end after it gives up at once, with a
 *   diagnosis saying how long the wait would have been and how much time was left.
 */
export function decideRetry(input: RetryInput): RetryDecision {
  const { error } = input;
  if (!error.retryable) return { kind: 'give-up', reason: 'not-retryable', error };
  if (input.attempt >= input.maxAttempts) return { kind: 'give-up', reason: 'attempts-exhausted', error };

  const hinted = error.retryAfterMs !== undefined;
  const delayMs = hinted
    ? Math.max(0, Math.ceil(error.retryAfterMs!))
    : backoffDelay(input.attempt, input.backoff, input.previousDelayMs, input.random);

  if (input.deadline !== undefined) {
    const remainingMs = Math.max(0, input.deadline - input.now);
    if (delayMs >= remainingMs) {
      return { kind: 'give-up', reason: 'deadline', error: deadlineError(input, delayMs, remainingMs) };
    }
  }
  return { kind: 'retry', delayMs, source: hinted ? 'hint' : 'backoff' };
}

/**
 * A rate limit whose wait ends after the deadline: the same code, with the arithmetic that
 * explains why we did not wait, and no longer retryable.
 */
export function rateLimitBeyondDeadline(
  error: HoldfastError<'PROVIDER_RATE_LIMITED'>,
  delayMs: number,
  remainingMs: number,
): HoldfastError {
  return holdfastError(
    'PROVIDER_RATE_LIMITED',
    { ...error.details, retryAfterMs: delayMs, remainingMs, beyondDeadline: true },
    { retryable: false, retryAfterMs: delayMs, cause: error },
  );
}

function deadlineError(input: RetryInput, delayMs: number, remainingMs: number): HoldfastError {
  const { error } = input;
  if (hasCode(error, 'PROVIDER_RATE_LIMITED')) return rateLimitBeyondDeadline(error, delayMs, remainingMs);
  return holdfastError(
    'JOB_TIMEOUT',
    {
      timeoutMs: input.timeoutMs ?? remainingMs,
      wouldWaitMs: delayMs,
      remainingMs,
      cause: { code: error.code, message: error.message },
    },
    { cause: error },
  );
}
