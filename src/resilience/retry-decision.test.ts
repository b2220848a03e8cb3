import { describe, expect, it } from 'vitest';
import { holdfastError, NonRetriableError, RetryAfterError } from '../errors/holdfast-error.js';
import { backoffDelay, backoffPolicy } from './backoff.js';
import { decideRetry, type RetryInput } from './retry-decision.js';

const exact = backoffPolicy({ initial: '5s', factor: 2, max: '5m', jitter: 'none' });
const failure = holdfastError('PROVIDER_ERROR', { provider: 'openai', status: 502 });

function input(overrides: Partial<RetryInput>): RetryInput {
  return {
    attempt: 1,
    maxAttempts: 5,
    error: failure,
    now: 0,
    deadline: undefined,
    backoff: exact,
    ...overrides,
  };
}

describe('backoff', () => {
  it('grows by the factor up to the cap without jitter', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(n, exact, undefined))).toEqual([
      5000, 10_000, 20_000, 40_000, 300_000,
    ]);
  });

  it('stays between initial and (2·factor − 1) × previous with decorrelated jitter', () => {
    const policy = backoffPolicy({ initial: '5s', factor: 2, max: '5m' });
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(5000);
    expect(backoffDelay(1, policy, undefined, () => 1)).toBe(7500);
    expect(backoffDelay(2, policy, 8000, () => 1)).toBe(24_000);
    expect(backoffDelay(9, policy, 250_000, () => 1)).toBe(300_000);
    // On average it roughly doubles, like the un-jittered sequence.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const means = [0, 0, 0];
    for (let run = 0; run < 4000; run++) {
      let previous: number | undefined;
      for (let n = 1; n <= 3; n++) {
        previous = backoffDelay(n, policy, previous, random);
        means[n - 1]! += previous / 4000;
      }
    }
    expect(means[0]).toBeGreaterThan(5500);
    expect(means[0]).toBeLessThan(7000);
    expect(means[2]).toBeGreaterThan(15_000);
    expect(means[2]).toBeLessThan(25_000);
  });

  it('rejects bad options, naming them', () => {
    expect(() => backoffPolicy({ factor: 0.5 }, 'retry.backoff')).toThrow(/retry.backoff.factor/);
    expect(() => backoffPolicy({ initial: '10m', max: '1m' })).toThrow(/max/);
    expect(() => backoffPolicy({ initial: 'soon' })).toThrow(/initial/);
  });
});

describe('decideRetry', () => {
  it('retries a retryable failure after the backoff', () => {
    expect(decideRetry(input({ attempt: 2 }))).toEqual({ kind: 'retry', delayMs: 10_000, source: 'backoff' });
  });

  it('stops at the attempt limit', () => {
    expect(decideRetry(input({ attempt: 5 }))).toMatchObject({
      kind: 'give-up',
      reason: 'attempts-exhausted',
      error: failure,
    });
  });

  it('never retries what cannot succeed', () => {
    for (const error of [
      new NonRetriableError('bad input'),
      holdfastError('PROVIDER_QUOTA_EXHAUSTED', { provider: 'openai', providerCode: 'insufficient_quota' }),
      holdfastError('PROVIDER_REJECTED', { provider: 'openai', status: 400 }),
      holdfastError('BUDGET_EXCEEDED', { meter: 'usd', cap: 1, used: 1, requested: 1 }),
    ]) {
      expect(decideRetry(input({ error }))).toMatchObject({
        kind: 'give-up',
        reason: 'not-retryable',
        error,
      });
    }
  });

  it('waits as long as the provider asked instead of the backoff', () => {
    const error = holdfastError('PROVIDER_RATE_LIMITED', { provider: 'gemini' }, { retryAfterMs: 53_016 });
    expect(decideRetry(input({ error, deadline: 600_000 }))).toEqual({
      kind: 'retry',
      delayMs: 53_016,
      source: 'hint',
    });
    expect(decideRetry(input({ error: new RetryAfterError(1500) }))).toEqual({
      kind: 'retry',
      delayMs: 1500,
      source: 'hint',
    });
  });

  it('gives up at once, explaining why, when the hint passes the deadline', () => {
    const error = holdfastError('PROVIDER_RATE_LIMITED', { provider: 'gemini' }, { retryAfterMs: 53_000 });
    const decision = decideRetry(input({ error, now: 1000, deadline: 31_000 }));
    expect(decision.kind).toBe('give-up');
    if (decision.kind !== 'give-up') return;
    expect(decision.reason).toBe('deadline');
    expect(decision.error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(decision.error.details).toMatchObject({
      retryAfterMs: 53_000,
      remainingMs: 30_000,
      beyondDeadline: true,
    });
    expect(decision.error.retryable).toBe(false);
    expect(decision.error.message).toBe(
      'gemini rate limit: asked to wait 53 s but only 30 s remained before the deadline',
    );

    const user = decideRetry(
      input({ error: new RetryAfterError(120_000), now: 0, deadline: 60_000, timeoutMs: 600_000 }),
    );
    expect(user).toMatchObject({ kind: 'give-up', reason: 'deadline' });
    if (user.kind !== 'give-up') return;
    expect(user.error.code).toBe('JOB_TIMEOUT');
    expect(user.error.details).toMatchObject({
      wouldWaitMs: 120_000,
      remainingMs: 60_000,
      cause: { code: 'STEP_FAILED' },
    });
    expect(user.error.recommendations('en')[0]).toContain('only 1 min remained');
  });

  it('gives up when even the backoff would pass the deadline', () => {
    expect(decideRetry(input({ attempt: 3, now: 0, deadline: 15_000 }))).toMatchObject({
      kind: 'give-up',
      reason: 'deadline',
    });
  });
});
