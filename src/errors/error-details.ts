import type { ValidationIssue } from './validation-issue.js';

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

/**
 * What the provider client decided about a failed attempt. Recommendations say what happened from
 * this, never from what usually happens: an error without it claims nothing about retries.
 * - `retrying`: it waits `waitMs`, then makes attempt `attempts + 1` of `maxAttempts`;
 * - `not-retryable`: the same request would fail the same way, so it was not sent again;
 * - `attempts-used`: every attempt the call allows (`maxAttempts`) failed;
 * - `beyond-deadline`: the next attempt would start (after `waitMs`) past the caller's deadline,
 *   of which `remainingMs` was left;
 * - `handed-back`: the wait (`waitMs`) was too long to hold inside the call: the call ended,
 *   retryable, so that a pipeline's job is parked that long instead of a worker waiting.
 */
export type CallDecision = 'retrying' | 'not-retryable' | 'attempts-used' | 'beyond-deadline' | 'handed-back';

/** The part of a provider error's details that says what was decided about it. */
export type ProviderDecision = Pick<
  ProviderBase,
  'decision' | 'attempts' | 'maxAttempts' | 'waitMs' | 'remainingMs'
>;

interface ProviderBase {
  readonly provider: string;
  readonly operation?: string | undefined;
  /** Attempts made inside the call so far (1 = the first one failed and was not retried). */
  readonly attempts?: number | undefined;
  /** Attempts the call allows (the provider's `retry.attempts`). */
  readonly maxAttempts?: number | undefined;
  readonly decision?: CallDecision | undefined;
  /** The wait before the next attempt that the decision is about. */
  readonly waitMs?: number | undefined;
  /** Time that was left before the caller's deadline, when it had one. */
  readonly remainingMs?: number | undefined;
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
  PROVIDER_OVERLOADED: ProviderBase & {
    /** Set when this process refused the call itself: its bulkhead was full (the provider is fine). */
    readonly bulkhead?: { readonly concurrency: number; readonly queued: number } | undefined;
  };
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
    /** Every problem found, each with what is needed to write it in English and in French. */
    readonly issues: readonly ValidationIssue[];
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
  FORBIDDEN: {
    /** What was refused, as an English verb phrase ('reset quotas'). */
    readonly action: string;
    /** The same in French ('remettre les quotas à zéro'), for French recommendations. */
    readonly actionFr?: string | undefined;
    readonly role?: string | undefined;
  };
  PAYLOAD_TOO_LARGE: { readonly limitBytes: number; readonly receivedBytes?: number | undefined };
  UNSUPPORTED_MEDIA_TYPE: { readonly contentType: string; readonly expected: readonly string[] };
  SHUTTING_DOWN: { readonly retryAfterMs?: number | undefined };
  /** The message broker of `bus` could not be reached, or the connection to it was lost. */
  BUS_UNREACHABLE: {
    readonly broker: 'nats' | 'rabbitmq';
    /** The broker's address, without credentials ('nats://127.0.0.1:4222'). */
    readonly url: string;
    readonly errno?: string | undefined;
    /** What the client library said. */
    readonly reason?: string | undefined;
  };
  /** The broker answered but refused what Holdfast asked of it (credentials, permissions, a conflicting definition). */
  BUS_REFUSED: {
    readonly broker: 'nats' | 'rabbitmq';
    readonly url: string;
    /** What was refused: 'connect', 'create stream', 'create consumer', 'declare queue', 'publish'… */
    readonly operation: string;
    /** The stream, consumer, queue or subject concerned. */
    readonly name?: string | undefined;
    readonly brokerMessage?: string | undefined;
  };
  /** The dashboard's session cookie no longer opens a session. */
  SESSION_EXPIRED: { readonly reason: 'expired' | 'revoked' | 'unknown' };
  /** A one-time sign-in link that cannot be used (again). */
  SIGN_IN_LINK_INVALID: { readonly reason: 'used' | 'expired' | 'unknown' };
  /** A state-changing request made with the session cookie without proof it came from the dashboard. */
  CSRF_REJECTED: { readonly reason: 'missing' | 'mismatch' | 'origin'; readonly origin?: string | undefined };
  INTERNAL: { readonly reason?: string | undefined };
}
