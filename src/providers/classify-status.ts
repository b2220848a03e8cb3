import { type HoldfastError, holdfastError } from '../errors/holdfast-error.js';
import { parseRetryHint } from '../resilience/retry-hint.js';
import type { ErrorResponse } from './adapter.js';

/**
 * The status-based part of error classification, shared by every adapter once it has handled its
 * own special cases (quota exhaustion, in-body hints):
 * - 429 → rate limited (retryable), with the provider's wait hint;
 * - 503 and 529 → overloaded (retryable);
 * - 408, 409, other 5xx → provider error (retryable);
 * - other 4xx → rejected: the same request would fail again.
 */
export function classifyStatus(
  response: ErrorResponse,
  provider: string,
  details: {
    operation?: string;
    providerMessage?: string;
    providerCode?: string;
    param?: string;
    requestId?: string;
  },
  now: number = Date.now(),
): HoldfastError {
  const { status } = response;
  const base = {
    provider,
    status,
    operation: details.operation,
    providerMessage: details.providerMessage?.slice(0, 500),
    requestId: details.requestId,
  };
  const shouldRetry = response.headers['x-should-retry'];
  if (status === 429) {
    const hint = parseRetryHint(response.headers, response.body, now);
    return holdfastError(
      'PROVIDER_RATE_LIMITED',
      { ...base, retryAfterMs: hint?.ms, hintSource: hint?.source },
      { retryAfterMs: hint?.ms, retryable: shouldRetry === 'false' ? false : undefined },
    );
  }
  if (status === 503 || status === 529) {
    const hint = parseRetryHint(response.headers, response.body, now);
    return holdfastError('PROVIDER_OVERLOADED', base, {
      retryAfterMs: hint?.ms,
      retryable: shouldRetry === 'false' ? false : undefined,
    });
  }
  if (status >= 500 || status === 408 || status === 409) {
    return holdfastError(
      'PROVIDER_ERROR',
      { ...base, providerCode: details.providerCode },
      { retryable: shouldRetry !== 'false' },
    );
  }
  return holdfastError(
    'PROVIDER_REJECTED',
    { ...base, providerCode: details.providerCode, param: details.param },
    { retryable: shouldRetry === 'true' },
  );
}
