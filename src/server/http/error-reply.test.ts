import { describe, expect, it } from 'vitest';
import { holdfastError } from '../../errors/holdfast-error.js';
import { errorReply } from './error-reply.js';

const now = Date.parse('2026-11-22T10:00:00.000Z');

describe('errorReply', () => {
  it('says how long to wait when a reset will make the job fit, and not when it cannot', () => {
    const fits = errorReply(
      holdfastError('QUOTA_EXCEEDED', {
        scope: 'tenant:acme',
        meter: 'openai:tokens',
        period: 'day',
        limit: 100_000,
        used: 95_000,
        balance: 5_000,
        required: 12_000,
        deficit: 7_000,
        resetAt: '2026-11-23T00:00:00.000Z',
      }),
      'en',
      now,
    );
    expect(fits.status).toBe(429);
    expect(fits.headers).toMatchObject({
      'retry-after': String(14 * 3600),
      'x-token-balance': '5000',
      'x-token-required': '12000',
      'x-token-deficit': '7000',
    });
    const never = errorReply(
      holdfastError('QUOTA_EXCEEDED', {
        scope: 'global',
        meter: 'usd',
        period: 'month',
        limit: 10,
        used: 0,
        balance: 10,
        required: 25,
        deficit: 15,
        resetAt: '2026-12-01T00:00:00.000Z',
      }),
      'en',
      now,
    );
    expect(never.status).toBe(429);
    expect(never.headers['retry-after']).toBeUndefined();
  });

  it('counts the refills a token bucket needs', () => {
    const reply = errorReply(
      holdfastError('INSUFFICIENT_TOKENS', {
        scope: 'global',
        meter: 'keepa:tokens',
        balance: 20,
        required: 140,
        deficit: 120,
        resetAt: '2026-11-22T10:30:00.000Z',
        refill: { amount: 50, everyMs: 3 * 3_600_000 },
      }),
      'fr',
      now,
    );
    // The first refill in 30 min, then two more, 3 h apart: 120 tokens after 6 h 30 min.
    expect(reply.headers['retry-after']).toBe(String(30 * 60 + 2 * 3 * 3600));
    expect(reply.headers['x-token-deficit']).toBe('120');
    expect(reply.body.error.message).toBe('Pas assez de keepa:tokens pour global : solde 20, il en faut 140');
    expect(reply.headers['content-language']).toBe('fr');
  });

  it('gives a job above its cap a 400 with the figures, and the database’s absence a 503 with Retry-After', () => {
    const cap = errorReply(
      holdfastError('JOB_TOO_EXPENSIVE', {
        pipeline: 'sourcing',
        meter: 'keepa:tokens',
        estimate: 500,
        cap: 200,
        excess: 300,
      }),
      'en',
      now,
    );
    expect(cap.status).toBe(400);
    expect(cap.headers).toMatchObject({
      'x-token-balance': '200',
      'x-token-required': '500',
      'x-token-deficit': '300',
    });
    expect(cap.headers['retry-after']).toBeUndefined();
    const down = errorReply(
      holdfastError('DATABASE_UNAVAILABLE', { database: 'PostgreSQL 127.0.0.1:5432/app', reason: 'refused' }),
      'en',
      now,
    );
    expect(down.status).toBe(503);
    expect(Number(down.headers['retry-after'])).toBeGreaterThan(0);
    expect(down.body.error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
  });
});
