import { describe, expect, it } from 'vitest';
import {
  messageDelay,
  parseGoDuration,
  parseRetryAfter,
  parseRetryHint,
  retryInfoDelay,
} from './retry-hint.js';

describe('retry hints', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads Retry-After in seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it("reads OpenAI's Go durations", () => {
    expect(parseGoDuration('12ms')).toBe(12);
    expect(parseGoDuration('1.146s')).toBe(1146);
    expect(parseGoDuration('6m0s')).toBe(360_000);
    expect(parseGoDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseGoDuration('6 minutes')).toBeUndefined();
  });

  it("reads Gemini's RetryInfo, whole or fractional", () => {
    const body = (delay: string) => ({
      error: {
        code: 429,
        details: [
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [] },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
        ],
      },
    });
    expect(retryInfoDelay(body('53s'))).toBe(53_000);
    expect(retryInfoDelay(body('53.016342224s'))).toBe(53_017);
    expect(retryInfoDelay(body('34.4s'))).toBe(34_400);
    expect(retryInfoDelay({ error: { details: 'nope' } })).toBeUndefined();
  });

  it('reads the wait from a message', () => {
    expect(
      messageDelay({ error: { message: 'Rate limit reached … Please try again in 1.146s. Visit …' } }),
    ).toBe(1146);
    expect(messageDelay({ error: { message: 'Please try again in 20ms.' } })).toBe(20);
    expect(messageDelay({ error: { message: 'Please try again in 6m0s.' } })).toBe(360_000);
    expect(
      messageDelay({ error: { message: 'You exceeded your current quota… Please retry in 53.016342224s.' } }),
    ).toBe(53_017);
  });

  it('prefers the most precise source', () => {
    const body = { error: { message: 'Please try again in 9s' } };
    expect(parseRetryHint({ 'retry-after-ms': '1146', 'retry-after': '2' }, body, now)).toEqual({
      ms: 1146,
      source: 'retry-after-ms',
    });
    expect(parseRetryHint({ 'retry-after': '2' }, body, now)).toEqual({ ms: 2000, source: 'retry-after' });
    expect(parseRetryHint({}, body, now)).toEqual({ ms: 9000, source: 'message' });
    expect(
      parseRetryHint(
        {
          'x-ratelimit-remaining-tokens': '0',
          'x-ratelimit-reset-tokens': '6m0s',
          'x-ratelimit-reset-requests': '12ms',
        },
        {},
        now,
      ),
    ).toEqual({ ms: 360_000, source: 'x-ratelimit-reset' });
    expect(parseRetryHint({}, {}, now)).toBeUndefined();
  });
});
