export type { BackoffOptions, BackoffPolicy, Jitter } from './backoff.js';
export { backoffDefaults, backoffDelay, backoffPolicy } from './backoff.js';
export type { RetryDecision, RetryInput } from './retry-decision.js';
export { decideRetry } from './retry-decision.js';
