/**
 * The stable error codes of Holdfast and what each one means to a caller: the HTTP status an API
 * answers with, and whether trying the same thing again can succeed. Codes never change meaning;
 * new ones may be added.
 */
export const errorCodes = {
  PROVIDER_TIMEOUT: { status: 504, retryable: true },
  PROVIDER_RATE_LIMITED: { status: 429, retryable: true },
  PROVIDER_QUOTA_EXHAUSTED: { status: 402, retryable: false },
  PROVIDER_OVERLOADED: { status: 503, retryable: true },
  PROVIDER_ERROR: { status: 502, retryable: true },
  PROVIDER_REJECTED: { status: 400, retryable: false },
  PROVIDER_UNREACHABLE: { status: 502, retryable: true },
  CIRCUIT_OPEN: { status: 503, retryable: true },
  STEP_TIMEOUT: { status: 504, retryable: true },
  JOB_TIMEOUT: { status: 504, retryable: false },
  STEP_FAILED: { status: 500, retryable: true },
  QUOTA_EXCEEDED: { status: 429, retryable: false },
  INSUFFICIENT_TOKENS: { status: 429, retryable: false },
  JOB_TOO_EXPENSIVE: { status: 400, retryable: false },
  BUDGET_EXCEEDED: { status: 429, retryable: false },
  ROLLBACK_FAILED: { status: 500, retryable: false },
  VALIDATION_ERROR: { status: 400, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  AMBIGUOUS_ID: { status: 400, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  IDEMPOTENCY_CONFLICT: { status: 409, retryable: false },
  CANCELLED: { status: 499, retryable: false },
  LEASE_LOST: { status: 409, retryable: true },
  STORE_LOCKED: { status: 503, retryable: false },
  DATABASE_UNAVAILABLE: { status: 503, retryable: true },
  DATABASE_NOT_FOUND: { status: 503, retryable: false },
  DATABASE_AUTH_FAILED: { status: 503, retryable: false },
  SCHEMA_NOT_MIGRATED: { status: 503, retryable: false },
  DATA_DIR_INVALID: { status: 500, retryable: false },
  STORE_UNWRITABLE: { status: 503, retryable: true },
  SQL_ERROR: { status: 500, retryable: false },
  CONFIG_INVALID: { status: 500, retryable: false },
  PORT_IN_USE: { status: 500, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  SHUTTING_DOWN: { status: 503, retryable: true },
  BUS_UNREACHABLE: { status: 503, retryable: true },
  BUS_REFUSED: { status: 503, retryable: false },
  SESSION_EXPIRED: { status: 401, retryable: false },
  SIGN_IN_LINK_INVALID: { status: 401, retryable: false },
  CSRF_REJECTED: { status: 403, retryable: false },
  INTERNAL: { status: 500, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value);
}
