export type { BackoffOptions, BackoffPolicy, Jitter } from './backoff.js';
export { backoffDefaults, backoffDelay, backoffPolicy } from './backoff.js';
export { Bulkhead, BulkheadFull } from './bulkhead.js';
export type { Admission, BreakerEvent, BreakerPolicy, BreakerState } from './circuit-breaker.js';
export { CircuitBreaker } from './circuit-breaker.js';
export type { RetryDecision, RetryInput } from './retry-decision.js';
export { decideRetry } from './retry-decision.js';
export type { HintSource, RetryHint } from './retry-hint.js';
export { parseGoDuration, parseRetryAfter, parseRetryHint } from './retry-hint.js';
