import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import { DatabaseError } from './database-error.js';

type UnavailableReason =
  | 'refused'
  | 'reset'
  | 'terminated'
  | 'timeout'
  | 'unreachable'
  | 'shutting-down'
  | 'too-many-connections'
  | 'closed';

/** Node socket errors that mean "the server is not there (now)". */
const socketReasons: Record<string, UnavailableReason> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ENOTFOUND: 'unreachable',
};

/** pg's own messages for a dead or dying connection (they carry no code). */
const messageReasons: ReadonlyArray<[RegExp, UnavailableReason]> = [
  [/Connection terminated unexpectedly/i, 'terminated'],
  [/Connection terminated due to connection timeout/i, 'timeout'],
  [/timeout exceeded when trying to connect/i, 'timeout'],
  [/Query read timeout/i, 'timeout'],
  [/not queryable/i, 'terminated'],
  [/Connection terminated/i, 'terminated'],
  [/Client was closed and is not queryable/i, 'closed'],
  [/Cannot use a pool after calling end/i, 'closed'],
];

/**
 * Why the database is unreachable, if that is what `error` says: refused, reset, terminated, timed
 * out; SQLSTATE class 08 (connection exception), 57P01–57P03 (admin shutdown, crash shutdown,
 * cannot connect now), 53300 (too many connections). Undefined for every other error — a SQL
 * error from a reachable database is not an outage.
 */
export function unavailableReason(error: unknown): UnavailableReason | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  if (isHoldfastError(error))
    return error.code === 'DATABASE_UNAVAILABLE'
      ? (error.details as { reason: UnavailableReason }).reason
      : undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code in socketReasons) return socketReasons[code];
    if (code.startsWith('08')) return 'terminated';
    if (code === '57P01' || code === '57P02') return 'shutting-down';
    if (code === '57P03') return 'shutting-down';
    if (code === '53300') return 'too-many-connections';
    if (/^[0-9A-Z]{5}$/.test(code)) return undefined;
  }
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    for (const [pattern, reason] of messageReasons) if (pattern.test(message)) return reason;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? unavailableReason(cause) : undefined;
}

/** Whether retrying after the database comes back can succeed (the outage codes above). */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableReason(error) !== undefined;
}

/**
 * Whether `error` says the store as a whole is away — a PostgreSQL outage (DATABASE_UNAVAILABLE)
 * or an embedded database whose disk refuses writes (STORE_UNWRITABLE) — rather than that one
 * operation failed. Work interrupted by an outage is resumed once the store is back; it is not a
 * failure of the job, and it is logged once for the outage, not once per operation.
 */
export function isStoreOutage(error: unknown): boolean {
  return (
    isHoldfastError(error) && (error.code === 'DATABASE_UNAVAILABLE' || error.code === 'STORE_UNWRITABLE')
  );
}

/** A DATABASE_UNAVAILABLE error for `error`, or undefined if it is not an outage. */
export function databaseUnavailable(
  error: unknown,
  context: { database: string; operation?: string | undefined; downForMs?: number | undefined },
): HoldfastError | undefined {
  if (isHoldfastError(error)) return error.code === 'DATABASE_UNAVAILABLE' ? error : undefined;
  const reason = unavailableReason(error);
  if (reason === undefined) return undefined;
  const code = (error as { code?: unknown }).code;
  return holdfastError(
    'DATABASE_UNAVAILABLE',
    {
      database: context.database,
      reason,
      sqlState: typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined,
      errno: typeof code === 'string' && code.startsWith('E') ? code : undefined,
      operation: context.operation,
      downForMs: context.downForMs,
    },
    { cause: error },
  );
}

/**
 * What a failure to open a PostgreSQL database means to the person who configured it: the server
 * is away, the database does not exist, or the credentials are wrong. Anything else stays as is.
 */
export function openFailure(error: unknown, database: string, url: URL | undefined): Error {
  const code = (error as { code?: unknown }).code;
  if (code === '3D000') {
    return holdfastError(
      'DATABASE_NOT_FOUND',
      { database, name: decodeURIComponent(url?.pathname.slice(1) ?? '') || '(default)' },
      { cause: error },
    );
  }
  if (code === '28P01' || code === '28000') {
    return holdfastError(
      'DATABASE_AUTH_FAILED',
      { database, user: url?.username ? decodeURIComponent(url.username) : undefined, sqlState: code },
      { cause: error },
    );
  }
  return (
    databaseUnavailable(error, { database, operation: 'connect' }) ??
    (error instanceof Error ? error : new Error(String(error)))
  );
}

/** True for a SQL error raised by a reachable database (a DatabaseError with a SQLSTATE). */
export function isSqlError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && error.code !== undefined && !isDatabaseUnavailable(error);
}

/**
 * STORE_UNWRITABLE when an embedded database error says the disk cannot take the write: SQLSTATE
 * 53100 (disk full), or an errno of a full, read-only or failing disk in the message.
 */
export function unwritable(error: unknown, path: string): HoldfastError<'STORE_UNWRITABLE'> | undefined {
  if (isHoldfastError(error))
    return error.code === 'STORE_UNWRITABLE' ? (error as HoldfastError<'STORE_UNWRITABLE'>) : undefined;
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  const reason =
    code === '53100' || /No space left on device|ENOSPC/i.test(message)
      ? 'disk-full'
      : /Read-only file system|EROFS/i.test(message)
        ? 'read-only'
        : code === '58030' || /I\/O error|EIO\b/i.test(message)
          ? 'io-error'
          : undefined;
  if (reason === undefined) return undefined;
  const errno = /\b(ENOSPC|EROFS|EIO)\b/.exec(message)?.[1];
  return holdfastError(
    'STORE_UNWRITABLE',
    { path, reason, errno, sqlState: typeof code === 'string' ? code : undefined },
    { cause: error },
  );
}
