import { describe, expect, it } from 'vitest';
import { holdfastError } from '../errors/holdfast-error.js';
import { backoffPolicy } from '../resilience/backoff.js';
import { type CallRetryInput, decideCallRetry } from './call-retry.js';

const server = holdfastError('PROVIDER_ERROR', { provider: 'openai', status: 502 });
const limited = (retryAfterMs: number) =>
  holdfastError('PROVIDER_RATE_LIMITED', { provider: 'openai', retryAfterMs }, { retryAfterMs });

const input = (overrides: Partial<CallRetryInput>): CallRetryInput => ({
  error: server,
  attempt: 1,
  maxAttempts: 4,
  remainingMs: Number.POSITIVE_INFINITY,
  maxInlineWaitMs: 30_000,
  backoff: backoffPolicy({ initial: '500ms', factor: 2, max: '30s', jitter: 'none' }),
  previousDelayMs: undefined,
  random: undefined,
  ...overrides,
});

describe('a provider call retries', () => {
  it('waits the backoff after a 5xx, and stops at the attempt limit', () => {
    expect(decideCallRetry(input({ attempt: 1 }))).toEqual({ kind: 'wait', ms: 500 });
    expect(decideCallRetry(input({ attempt: 2 }))).toEqual({ kind: 'wait', ms: 1000 });
    const last = decideCallRetry(input({ attempt: 4 }));
    expect(last).toMatchObject({
      kind: 'fail',
      error: { code: 'PROVIDER_ERROR', details: { attempts: 4, maxAttempts: 4, decision: 'attempts-used' } },
    });
  });

  it('waits exactly what the provider asks, when it fits the deadline', () => {
    expect(decideCallRetry(input({ error: limited(2_000), remainingMs: 5_000 }))).toEqual({
      kind: 'wait',
      ms: 2_000,
    });
  });

  it('fails at once, saying why, when the asked wait runs past the deadline — even on the last attempt', () => {
    for (const attempt of [1, 4]) {
      const decision = decideCallRetry(input({ attempt, error: limited(20_000), remainingMs: 8_000.7 }));
      expect(decision.kind).toBe('fail');
      const error = (decision as { error: ReturnType<typeof limited> }).error;
      expect(error).toMatchObject({
        code: 'PROVIDER_RATE_LIMITED',
        retryable: false,
        details: { retryAfterMs: 20_000, remainingMs: 8_000, beyondDeadline: true },
      });
    }
  });

  it('hands a long wait back to the caller, retryable, instead of holding a worker', () => {
    const long = decideCallRetry(input({ error: limited(120_000) }));
    expect(long).toMatchObject({ kind: 'fail', error: { retryable: true, retryAfterMs: 120_000 } });
    const slowBackoff = decideCallRetry(
      input({ attempt: 3, backoff: backoffPolicy({ initial: '1m', jitter: 'none' }) }),
    );
    expect(slowBackoff).toMatchObject({
      kind: 'fail',
      error: { code: 'PROVIDER_ERROR', retryable: true, retryAfterMs: 240_000 },
    });
  });

  it('never retries what cannot succeed, nor a backoff past the deadline', () => {
    const rejected = holdfastError('PROVIDER_REJECTED', { provider: 'openai', status: 400 });
    expect(decideCallRetry(input({ error: rejected }))).toMatchObject({
      kind: 'fail',
      error: {
        code: 'PROVIDER_REJECTED',
        retryable: false,
        details: { attempts: 1, decision: 'not-retryable' },
      },
    });
    expect(decideCallRetry(input({ remainingMs: 400 }))).toMatchObject({
      kind: 'fail',
      error: {
        code: 'PROVIDER_ERROR',
        details: { decision: 'beyond-deadline', waitMs: 500, remainingMs: 400 },
      },
    });
  });

  it('writes its decision into the error, and the recommendations from it', () => {
    const refused = holdfastError(
      'PROVIDER_UNREACHABLE',
      { provider: 'keepa', host: 'api.keepa.com', errno: 'ECONNREFUSED' },
      { retryable: true },
    );
    const once = decideCallRetry(input({ error: refused, maxAttempts: 1 }));
    expect(once.kind).toBe('fail');
    if (once.kind !== 'fail') return;
    expect(once.error.details).toMatchObject({ decision: 'attempts-used', attempts: 1, maxAttempts: 1 });
    const en = once.error.recommendations('en').join('\n');
    expect(en).not.toMatch(/retried automatically|are retried/);
    expect(en).toContain('It was not retried: this provider allows a single attempt per call');
    expect(once.error.recommendations('fr').join('\n')).toContain("Il n'a pas été retenté");

    const unresolved = holdfastError(
      'PROVIDER_UNREACHABLE',
      { provider: 'openai', host: 'api.opnai.com', errno: 'ENOTFOUND' },
      { retryable: false },
    );
    const typo = decideCallRetry(input({ error: unresolved }));
    expect(typo.kind === 'fail' && typo.error.recommendations('en')).toEqual([
      "The host name api.opnai.com does not resolve: check the provider's base URL for a typo, and DNS.",
      'It was not retried: sent again unchanged, it would fail the same way.',
    ]);

    const exhausted = decideCallRetry(input({ error: refused, attempt: 3, maxAttempts: 3 }));
    expect(exhausted.kind === 'fail' && exhausted.error.recommendations('en')[1]).toBe(
      'All 3 attempts of the call failed (`retry.attempts` is 3).',
    );
    const handedBack = decideCallRetry(input({ error: limited(120_000) }));
    expect(handedBack.kind === 'fail' && handedBack.error.recommendations('en')[1]).toContain(
      'The call stopped instead of waiting 2 min inside it',
    );
  });
});
