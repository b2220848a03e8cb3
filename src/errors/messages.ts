import type { ErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { formatter } from './format.js';

type Messages = { [C in ErrorCode]: (d: ErrorDetailsMap[C]) => string };

const f = formatter('en');

/** The one-line developer message of each code when the thrower gives none (always English). */
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
  CONFLICT: (d) => `${d.kind} '${d.id}' is ${d.state ?? 'in another state'}`,
  IDEMPOTENCY_CONFLICT: (d) =>
    `Idempotency key '${d.key}' was already used for job ${d.existingJobId} with a different input`,
  CANCELLED: (d) => `Cancelled${d.reason ? `: ${d.reason}` : ''}`,
  LEASE_LOST: (d) => `Lost the lease of job ${d.jobId}; its writes were refused`,
  STORE_LOCKED: (d) =>
    `The data directory ${d.dataDir} is in use by another process${d.pid ? ` (pid ${d.pid})` : ''}`,
  INTERNAL: (d) => `Internal error${d.reason ? `: ${d.reason}` : ''}`,
};

export function defaultMessage<C extends ErrorCode>(code: C, details: ErrorDetailsMap[C]): string {
  return (messages[code] as (d: ErrorDetailsMap[C]) => string)(details);
}
