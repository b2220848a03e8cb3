import type { ErrorCode } from '../errors/error-codes.js';
import type { HoldfastError } from '../errors/holdfast-error.js';

/**
 * What to do with messages whose submission failed:
 * - `dead-letter`: the message itself is refused (bad input, budget refusal, a key reused for other
 *   content) — publish it to `deadLetter` with the error, then acknowledge it;
 * - `split`: one of several messages submitted together is refused, but which one is not known —
 *   submit them one by one;
 * - `wait-for-database`: the database is away — hold the messages, pull no more, submit again when
 *   it is back (never nack them, which would only bring them back at once);
 * - `retry`: anything else is not the message's fault (a bug, a refused login, a missing schema) —
 *   hold the messages and try again later; they are never dead-lettered for it.
 */
export type FailureAction = 'dead-letter' | 'split' | 'wait-for-database' | 'retry';

/** Refusals that are about the message, so that sending it again can never succeed. */
export const messageRefusals: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'VALIDATION_ERROR',
  'IDEMPOTENCY_CONFLICT',
  'QUOTA_EXCEEDED',
  'INSUFFICIENT_TOKENS',
  'JOB_TOO_EXPENSIVE',
]);

const databaseAway: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DATABASE_UNAVAILABLE', 'STORE_UNWRITABLE']);

export function failureAction(error: HoldfastError, batchSize: number): FailureAction {
  if (databaseAway.has(error.code)) return 'wait-for-database';
  if (messageRefusals.has(error.code)) return batchSize > 1 ? 'split' : 'dead-letter';
  return 'retry';
}
