/**
 * What each error code carries in `details`. These are the facts a person needs to decide what to
 * do next (how far the work got, what the provider said, how much budget is left), and the
 * recommendation catalogue is written from them.
 */

/** How far a step had got when it stopped, as reported with `ctx.progress`. */
export interface ProgressSnapshot {
  readonly done: number;
  readonly total?: number | undefined;
  readonly unit?: string | undefined;
  readonly percent?: number | undefined;
  readonly message?: string | undefined;
}

interface ProviderBase {
  readonly provider: string;
  readonly operation?: string | undefined;
  /** Attempts made inside the call before it gave up (1 = no inline retry). */
  readonly attempts?: number | undefined;
  readonly status?: number | undefined;
  readonly providerMessage?: string | undefined;
  readonly requestId?: string | undefined;
}

export interface ErrorDetailsMap {
  PROVIDER_TIMEOUT: ProviderBase & {
    readonly phase: 'connect' | 'headers' | 'body' | 'deadline';
    readonly timeoutMs: number;
    readonly elapsedMs?: number | undefined;
  };
  PROVIDER_RATE_LIMITED: ProviderBase & {
    readonly retryAfterMs?: number | undefined;
    /** Where the wait hint came from: a header, the Gemini RetryInfo body, the message text. */
    readonly hintSource?: string | undefined;
    readonly limitType?: string | undefined;
    readonly limit?: number | undefined;
    readonly remaining?: number | undefined;
    readonly resetAt?: string | undefined;
    /** Set when the hint was longer than the time the caller had left: the call failed at once. */
    readonly remainingMs?: number | undefined;
    readonly beyondDeadline?: boolean | undefined;
  };
  PROVIDER_QUOTA_EXHAUSTED: ProviderBase & {
    readonly providerCode?: string | undefined;
    readonly quotaId?: string | undefined;
    readonly retryAfterMs?: number | undefined;
  };
  PROVIDER_OVERLOADED: ProviderBase;
  PROVIDER_ERROR: ProviderBase & { readonly providerCode?: string | undefined };
  PROVIDER_REJECTED: ProviderBase & {
    readonly providerCode?: string | undefined;
    readonly param?: string | undefined;
  };
  PROVIDER_UNREACHABLE: ProviderBase & {
    readonly host?: string | undefined;
    readonly errno?: string | undefined;
  };
  CIRCUIT_OPEN: {
    readonly provider: string;
    readonly retryAfterMs: number;
    readonly openedAt?: string | undefined;
    readonly failures?: number | undefined;
  };
  STEP_TIMEOUT: {
    readonly jobId?: string | undefined;
    readonly step: string;
    readonly timeoutMs: number;
    readonly elapsedMs?: number | undefined;
    readonly progress?: ProgressSnapshot | undefined;
  };
  JOB_TIMEOUT: {
    readonly jobId?: string | undefined;
    readonly pipeline?: string | undefined;
    readonly timeoutMs: number;
    readonly elapsedMs?: number | undefined;
    readonly step?: string | undefined;
    readonly progress?: ProgressSnapshot | undefined;
    /** Set when a retry was not attempted because its wait would end after the deadline. */
    readonly wouldWaitMs?: number | undefined;
    readonly remainingMs?: number | undefined;
    /** The failure that would have been retried. */
    readonly cause?: { readonly code: string; readonly message: string } | undefined;
  };
  STEP_FAILED: {
    readonly jobId?: string | undefined;
    readonly step?: string | undefined;
    readonly name?: string | undefined;
    readonly progress?: ProgressSnapshot | undefined;
  };
  QUOTA_EXCEEDED: {
    readonly scope: string;
    readonly meter: string;
    readonly period: string;
    readonly limit: number;
    readonly used: number;
    readonly reserved?: number | undefined;
    readonly balance: number;
    readonly required: number;
    readonly deficit: number;
    readonly resetAt?: string | undefined;
  };
  INSUFFICIENT_TOKENS: {
    readonly scope: string;
    readonly meter: string;
    readonly balance: number;
    readonly required: number;
    readonly deficit: number;
    readonly resetAt?: string | undefined;
    readonly refill?: { readonly amount: number; readonly everyMs: number } | undefined;
  };
  JOB_TOO_EXPENSIVE: {
    readonly pipeline: string;
    readonly meter: string;
    readonly estimate: number;
    readonly cap: number;
    readonly excess: number;
  };
  BUDGET_EXCEEDED: {
    readonly jobId?: string | undefined;
    readonly step?: string | undefined;
    readonly meter: string;
    readonly cap: number;
    readonly used: number;
    readonly requested: number;
  };
  ROLLBACK_FAILED: {
    readonly jobId?: string | undefined;
    readonly step?: string | undefined;
    /** The failure that made the job undo its steps. */
    readonly cause?: { readonly code: string; readonly message: string } | undefined;
    readonly failures?: ReadonlyArray<{ readonly step: string; readonly message: string }> | undefined;
  };
  VALIDATION_ERROR: {
    /** Dotted path of the first offending field, '' for the value itself. */
    readonly field: string;
    readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>;
    readonly subject?: string | undefined;
  };
  NOT_FOUND: { readonly kind: string; readonly id: string; readonly known?: readonly string[] | undefined };
  /** A prefix typed for an id matches several (a job id prefix: `jobs show 019a7c`). */
  AMBIGUOUS_ID: {
    readonly kind: string;
    readonly prefix: string;
    /** The first few ids it matches. */
    readonly matches: readonly string[];
    /** More ids match than are listed. */
    readonly more?: boolean | undefined;
  };
  CONFLICT: {
    readonly kind: string;
    readonly id: string;
    readonly state?: string | undefined;
    readonly allowed?: readonly string[] | undefined;
  };
  IDEMPOTENCY_CONFLICT: { readonly key: string; readonly existingJobId: string; readonly expiresAt?: string };
  CANCELLED: {
    readonly jobId?: string | undefined;
    readonly step?: string | undefined;
    readonly reason?: string;
  };
  LEASE_LOST: { readonly jobId: string; readonly workerId?: string | undefined };
  STORE_LOCKED: {
    readonly dataDir: string;
    readonly pid?: number | undefined;
    readonly host?: string | undefined;
  };
  /** The database could not be reached or dropped the connection; retrying later can succeed. */
  DATABASE_UNAVAILABLE: {
    /** Where the data lives, without credentials ('PostgreSQL 127.0.0.1:5432/app'). */
    readonly database: string;
    readonly reason:
      | 'refused'
      | 'reset'
      | 'terminated'
      | 'timeout'
      | 'unreachable'
      | 'shutting-down'
      | 'too-many-connections'
      | 'closed';
    readonly sqlState?: string | undefined;
    readonly errno?: string | undefined;
    /** What was being done: 'connect', 'query', 'commit', 'submit'… */
    readonly operation?: string | undefined;
    /** How long the database has been unavailable, when known. */
    readonly downForMs?: number | undefined;
  };
  DATABASE_NOT_FOUND: { readonly database: string; readonly name: string };
  DATABASE_AUTH_FAILED: {
    readonly database: string;
    readonly user?: string | undefined;
    readonly sqlState?: string | undefined;
  };
  SCHEMA_NOT_MIGRATED: {
    readonly database: string;
    /** The newest migration applied, null when Holdfast's schema is absent. */
    readonly current: string | null;
    readonly expected: string;
  };
  DATA_DIR_INVALID: {
    readonly path: string;
    readonly reason: 'not-a-directory' | 'cannot-create' | 'not-writable' | 'special-filesystem';
    readonly errno?: string | undefined;
  };
  STORE_UNWRITABLE: {
    readonly path: string;
    readonly reason: 'disk-full' | 'read-only' | 'io-error';
    readonly errno?: string | undefined;
    readonly sqlState?: string | undefined;
  };
  /** A step's own SQL failed in a way that retrying cannot fix (missing table, constraint…). */
  SQL_ERROR: {
    readonly sqlState: string;
    readonly jobId?: string | undefined;
    readonly step?: string | undefined;
    readonly table?: string | undefined;
    readonly column?: string | undefined;
    readonly constraint?: string | undefined;
    readonly detail?: string | undefined;
    readonly hint?: string | undefined;
  };
  CONFIG_INVALID: {
    /** Dotted name of the option ('providers.openai.kind', 'worker.concurrency', '--port'). */
    readonly option: string;
    /** What is wrong, in English ('must be an integer from 1 to 10000'). */
    readonly problem: string;
    /** The same in French, for French recommendations. */
    readonly problemFr?: string | undefined;
    readonly value?: string | undefined;
    /** Where the option came from: a file, an environment variable, a command-line flag. */
    readonly source?: string | undefined;
  };
  PORT_IN_USE: { readonly host: string; readonly port: number; readonly service: string };
  UNAUTHORIZED: { readonly reason: 'missing' | 'invalid' | 'expired' | 'revoked' | 'malformed' };
  FORBIDDEN: { readonly action: string; readonly role?: string | undefined };
  PAYLOAD_TOO_LARGE: { readonly limitBytes: number; readonly receivedBytes?: number | undefined };
  UNSUPPORTED_MEDIA_TYPE: { readonly contentType: string; readonly expected: readonly string[] };
  SHUTTING_DOWN: { readonly retryAfterMs?: number | undefined };
  /** The dashboard's session cookie no longer opens a session. */
  SESSION_EXPIRED: { readonly reason: 'expired' | 'revoked' | 'unknown' };
  /** A one-time sign-in link that cannot be used (again). */
  SIGN_IN_LINK_INVALID: { readonly reason: 'used' | 'expired' | 'unknown' };
  /** A state-changing request made with the session cookie without proof it came from the dashboard. */
  CSRF_REJECTED: { readonly reason: 'missing' | 'mismatch' | 'origin'; readonly origin?: string | undefined };
  INTERNAL: { readonly reason?: string | undefined };
}
