import type { ErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { formatter, type Locale } from './format.js';
import { frenchMessages } from './messages-fr.js';

type Messages = { [C in ErrorCode]: (d: ErrorDetailsMap[C]) => string };

const f = formatter('en');

/**
 * The one-line developer message of each code when the thrower gives none. It is what `message`
 * holds and what is stored (English); messages-fr.ts has the French for readers who ask for it.
 */
const messages: Messages = {
  PROVIDER_TIMEOUT: (d) =>
    d.phase === 'deadline'
      ? `${d.provider} call stopped: the caller's deadline passed after ${f.dur(d.elapsedMs ?? d.timeoutMs)}`
      : `${d.provider} did not answer in time (${d.phase} timeout of ${f.dur(d.timeoutMs)})`,
  PROVIDER_RATE_LIMITED: (d) =>
    d.beyondDeadline
      ? `${d.provider} rate limit: asked to wait ${f.dur(d.retryAfterMs)} but only ${f.dur(d.remainingMs)} remained before the deadline`
      : `${d.provider} rate limit reached${d.retryAfterMs === undefined ? '' : `; retry in ${f.dur(d.retryAfterMs)}`}`,
  PROVIDER_QUOTA_EXHAUSTED: (d) =>
    `${d.provider} quota or credit exhausted${d.providerCode ? ` (${d.providerCode})` : ''}${d.quotaId ? ` (${d.quotaId})` : ''}`,
  PROVIDER_OVERLOADED: (d) => `${d.provider} is overloaded (HTTP ${d.status ?? '?'})`,
  PROVIDER_ERROR: (d) =>
    `${d.provider} failed with HTTP ${d.status ?? '?'}${d.providerMessage ? `: ${d.providerMessage}` : ''}`,
  PROVIDER_REJECTED: (d) =>
    `${d.provider} rejected the request (HTTP ${d.status ?? '?'})${d.providerMessage ? `: ${d.providerMessage}` : ''}`,
  PROVIDER_UNREACHABLE: (d) =>
    `${d.provider} is unreachable${d.host ? ` at ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''}`,
  CIRCUIT_OPEN: (d) => `Calls to ${d.provider} are paused (circuit open) for ${f.dur(d.retryAfterMs)}`,
  STEP_TIMEOUT: (d) =>
    `Step '${d.step}' timed out after ${f.dur(d.timeoutMs)}${d.progress ? ` at ${f.progress(d.progress)}` : ''}`,
  JOB_TIMEOUT: (d) =>
    d.wouldWaitMs === undefined
      ? `Job exceeded its deadline of ${f.dur(d.timeoutMs)}${d.step ? ` during step '${d.step}'` : ''}${d.progress ? ` at ${f.progress(d.progress)}` : ''}`
      : `Job cannot be retried within its deadline of ${f.dur(d.timeoutMs)}: the retry would wait ${f.dur(d.wouldWaitMs)}`,
  STEP_FAILED: (d) => `Step${d.step ? ` '${d.step}'` : ''} failed`,
  QUOTA_EXCEEDED: (d) =>
    `${d.scope} ${d.meter} ${d.period} budget exceeded: ${f.num(d.balance)} left, ${f.num(d.required)} required`,
  INSUFFICIENT_TOKENS: (d) =>
    `Insufficient ${d.meter} for ${d.scope}: balance ${f.num(d.balance)}, required ${f.num(d.required)}`,
  JOB_TOO_EXPENSIVE: (d) =>
    `Job estimated at ${f.num(d.estimate)} ${d.meter}, above the cap of ${f.num(d.cap)} for pipeline '${d.pipeline}'`,
  BUDGET_EXCEEDED: (d) =>
    `Job would exceed its ${d.meter} cap of ${f.num(d.cap)} (used ${f.num(d.used)}, requested ${f.num(d.requested)})`,
  ROLLBACK_FAILED: (d) => `Compensation failed${d.step ? ` for step '${d.step}'` : ''}`,
  VALIDATION_ERROR: (d) =>
    `Invalid ${d.subject ?? 'input'}${d.field ? ` at '${d.field}'` : ''}: ${d.issues[0]?.message ?? 'invalid value'}`,
  NOT_FOUND: (d) => `No ${d.kind} '${d.id}'`,
  AMBIGUOUS_ID: (d) =>
    `'${d.prefix}' matches ${d.more ? 'more than ' : ''}${d.matches.length} ${d.kind}s; type more of the id`,
  CONFLICT: (d) => `${d.kind} '${d.id}' is ${d.state ?? 'in another state'}`,
  IDEMPOTENCY_CONFLICT: (d) =>
    `Idempotency key '${d.key}' was already used for job ${d.existingJobId} with a different input`,
  CANCELLED: (d) => `Cancelled${d.reason ? `: ${d.reason}` : ''}`,
  LEASE_LOST: (d) => `Lost the lease of job ${d.jobId}; its writes were refused`,
  STORE_LOCKED: (d) =>
    `The data directory ${d.dataDir} is in use by another process${d.pid ? ` (pid ${d.pid})` : ''}`,
  DATABASE_UNAVAILABLE: (d) =>
    `The database is unavailable (${d.reason}${d.sqlState ? `, SQLSTATE ${d.sqlState}` : d.errno ? `, ${d.errno}` : ''}): ${d.database}${d.operation ? ` during ${d.operation}` : ''}`,
  DATABASE_NOT_FOUND: (d) => `Database '${d.name}' does not exist on ${d.database}`,
  DATABASE_AUTH_FAILED: (d) =>
    `The database refused the credentials${d.user ? ` of user '${d.user}'` : ''}: ${d.database}`,
  SCHEMA_NOT_MIGRATED: (d) =>
    d.current === null
      ? `${d.database} has no Holdfast schema`
      : `${d.database} has Holdfast schema ${d.current}, this version needs ${d.expected}`,
  DATA_DIR_INVALID: (d) =>
    `Cannot use ${d.path} as a data directory (${d.reason}${d.errno ? `, ${d.errno}` : ''})`,
  STORE_UNWRITABLE: (d) =>
    `The embedded database at ${d.path} cannot write (${d.reason}${d.errno ? `, ${d.errno}` : ''})`,
  SQL_ERROR: (d) =>
    `SQL error ${d.sqlState}${d.step ? ` in step '${d.step}'` : ''}${d.table ? ` on ${d.table}` : ''}${d.constraint ? ` (constraint ${d.constraint})` : ''}`,
  CONFIG_INVALID: (d) => `Invalid configuration: ${d.option} ${d.problem}`,
  PORT_IN_USE: (d) => `${d.host}:${d.port} is already in use; the ${d.service} cannot listen there`,
  UNAUTHORIZED: (d) =>
    d.reason === 'missing' ? 'An API key is required' : `The API key or token is ${d.reason}`,
  FORBIDDEN: (d) => `Not allowed to ${d.action}${d.role ? ` with a ${d.role} key` : ''}`,
  PAYLOAD_TOO_LARGE: (d) => `The request body is larger than ${f.num(d.limitBytes)} bytes`,
  UNSUPPORTED_MEDIA_TYPE: (d) =>
    `Content-Type '${d.contentType}' is not accepted; send ${d.expected.join(' or ')}`,
  SHUTTING_DOWN: () => 'This Holdfast process is shutting down',
  BUS_UNREACHABLE: (d) =>
    `The ${brokerName(d.broker)} broker at ${d.url} is unreachable${d.errno ? ` (${d.errno})` : d.reason ? ` (${d.reason})` : ''}`,
  BUS_REFUSED: (d) =>
    `The ${brokerName(d.broker)} broker at ${d.url} refused to ${d.operation}${d.name ? ` '${d.name}'` : ''}${d.brokerMessage ? `: ${d.brokerMessage}` : ''}`,
  SESSION_EXPIRED: (d) =>
    d.reason === 'expired'
      ? 'Your dashboard session has expired'
      : d.reason === 'revoked'
        ? 'Your dashboard session was ended: the key it was opened with was revoked or replaced'
        : 'This dashboard session is not known to the server',
  SIGN_IN_LINK_INVALID: (d) =>
    d.reason === 'used'
      ? 'This sign-in link was already used: it works only once'
      : d.reason === 'expired'
        ? 'This sign-in link has expired'
        : 'This sign-in link is not valid',
  CSRF_REJECTED: (d) =>
    d.reason === 'origin'
      ? `Refused a request sent from another site (${d.origin ?? 'unknown origin'}) with the dashboard's session`
      : d.reason === 'missing'
        ? 'The request carries the session cookie but not its X-CSRF-Token header'
        : "The request's X-CSRF-Token does not belong to its session",
  INTERNAL: (d) => `Internal error${d.reason ? `: ${d.reason}` : ''}`,
};

function brokerName(broker: 'nats' | 'rabbitmq'): string {
  return broker === 'nats' ? 'NATS' : 'RabbitMQ';
}

export function defaultMessage<C extends ErrorCode>(code: C, details: ErrorDetailsMap[C]): string {
  return (messages[code] as (d: ErrorDetailsMap[C]) => string)(details);
}

/** The catalogue's message in a language (English is the default message itself). */
export function catalogueMessage<C extends ErrorCode>(
  code: C,
  details: ErrorDetailsMap[C],
  locale: Locale,
): string {
  if (locale === 'en') return defaultMessage(code, details);
  return (frenchMessages[code] as (d: ErrorDetailsMap[C]) => string)(details);
}

/** The French catalogue message of a code. */
export function frenchMessage<C extends ErrorCode>(code: C, details: ErrorDetailsMap[C]): string {
  return catalogueMessage(code, details, 'fr');
}

/**
 * The message to show for an error (an instance or its stored JSON) in `locale`. A message the
 * thrower wrote itself (a provider's text, a step's own error) stays as written; a catalogue
 * message is given in the locale.
 */
export function localizedMessage<C extends ErrorCode>(
  error: { readonly code: C; readonly details: ErrorDetailsMap[C]; readonly message: string },
  locale: Locale,
): string {
  if (locale === 'en') return error.message;
  let english: string;
  try {
    english = defaultMessage(error.code, error.details);
  } catch {
    return error.message;
  }
  return english === error.message ? catalogueMessage(error.code, error.details, locale) : error.message;
}
