import { type HoldfastError, holdfastError, toHoldfastError } from '../errors/holdfast-error.js';
import { type DatabaseError, sqlState } from '../store/database-error.js';
import { isDatabaseUnavailable, isSqlError } from '../store/database-failure.js';

/**
 * What a step's failed staged writes mean for the step (they were rolled back with it):
 * - the database is away: not the step's fault — undefined, the whole commit fails and is retried
 *   as an outage (DATABASE_UNAVAILABLE);
 * - a serialization failure or a deadlock: transient, the step fails retryable;
 * - any other SQL error (undefined table or column, syntax, constraint…): permanent, SQL_ERROR
 *   with its SQLSTATE, not retried — running the same SQL again would fail the same way;
 * - anything else the write function threw: a step failure like any other.
 */
export function stagedWriteError(error: unknown, step: string, jobId: string): HoldfastError | undefined {
  if (isDatabaseUnavailable(error)) return undefined;
  if (isSqlError(error)) {
    const code = error.code!;
    if (code === sqlState.serializationFailure || code === sqlState.deadlockDetected) {
      return holdfastError(
        'STEP_FAILED',
        { step, jobId, name: 'StagedWriteError' },
        {
          message: `Staged writes of step '${step}' hit a transient conflict (SQLSTATE ${code}) and were rolled back`,
          retryable: true,
          cause: error,
        },
      );
    }
    return holdfastError(
      'SQL_ERROR',
      {
        sqlState: code,
        jobId,
        step,
        table: error.table ?? quoted(error, /relation "([^"]+)"/),
        column: error.column ?? quoted(error, /column "([^"]+)"/),
        constraint: error.constraint,
        detail: error.detail,
        hint: error.hint,
      },
      { cause: error },
    );
  }
  const cause = toHoldfastError(error, { step, jobId });
  return holdfastError(
    'STEP_FAILED',
    { step, jobId, name: 'StagedWriteError' },
    { message: `Staged writes of step '${step}' failed and were rolled back: ${cause.message}`, cause },
  );
}

/** PostgreSQL names an undefined table or column only in its message. */
function quoted(error: DatabaseError, pattern: RegExp): string | undefined {
  return pattern.exec(error.message)?.[1];
}
