import { describe, expect, it } from 'vitest';
import {
  type Account,
  affordableAt,
  available,
  crossedThresholds,
  nextResetAt,
  periodKey,
  periodStartOf,
  rollOver,
  usedFraction,
} from './account.js';
import { costUsd, defaultPricing, priceOf } from './pricing.js';

const base: Account = {
  id: 1,
  scope: 'tenant:acme',
  meter: 'openai:tokens',
  period: 'day',
  limit: 1_000_000,
  refillAmount: undefined,
  refillEveryMs: undefined,
  periodStart: Date.UTC(2026, 10, 22),
  used: 950_000,
  reserved: 20_000,
  balance: undefined,
  credited: 0,
  thresholdsFired: [0.8],
  limitOverride: false,
};

describe('periods', () => {
  it('aligns days and months on UTC calendar boundaries', () => {
    expect(periodStartOf('day', Date.UTC(2026, 10, 22, 23, 59, 59))).toBe(Date.UTC(2026, 10, 22));
    expect(periodStartOf('month', Date.UTC(2026, 10, 22, 5))).toBe(Date.UTC(2026, 10, 1));
    expect(
      nextResetAt({ period: 'day', periodStart: Date.UTC(2026, 10, 22), refillEveryMs: undefined }),
    ).toBe(Date.UTC(2026, 10, 23));
    expect(
      nextResetAt({ period: 'month', periodStart: Date.UTC(2026, 11, 1), refillEveryMs: undefined }),
    ).toBe(Date.UTC(2027, 0, 1));
    expect(periodKey({ period: 'month', periodStart: Date.UTC(2026, 10, 1) })).toBe('2026-11');
  });

  it('rolls a day over at UTC midnight, not a millisecond before', () => {
    expect(rollOver(base, Date.UTC(2026, 10, 22, 23, 59, 59, 999)).kind).toBeUndefined();
    const { account, kind } = rollOver(base, Date.UTC(2026, 10, 23));
    expect(kind).toBe('rollover');
    expect(account).toMatchObject({
      used: 0,
      credited: 0,
      reserved: 20_000,
      thresholdsFired: [],
      periodStart: Date.UTC(2026, 10, 23),
    });
  });

  it('rolls a month over on the 1st, even after a long sleep', () => {
    const month = { ...base, period: 'month' as const, periodStart: Date.UTC(2026, 0, 1) };
    expect(rollOver(month, Date.UTC(2026, 0, 31, 23)).kind).toBeUndefined();
    expect(rollOver(month, Date.UTC(2026, 1, 1)).account.periodStart).toBe(Date.UTC(2026, 1, 1));
    expect(rollOver(month, Date.UTC(2026, 6, 15)).account.periodStart).toBe(Date.UTC(2026, 6, 1));
  });

  it('refills a bucket by whole intervals, up to its capacity', () => {
    const bucket: Account = {
      ...base,
      period: 'refill',
      limit: 300,
      refillAmount: 50,
      refillEveryMs: 3 * 3_600_000,
      periodStart: Date.UTC(2026, 10, 22, 0),
      balance: 20,
      reserved: 10,
      used: 0,
    };
    expect(available(bucket)).toBe(10);
    expect(rollOver(bucket, Date.UTC(2026, 10, 22, 2, 59)).kind).toBeUndefined();
    const after = rollOver(bucket, Date.UTC(2026, 10, 22, 7)).account;
    expect(after).toMatchObject({ balance: 120, periodStart: Date.UTC(2026, 10, 22, 6) });
    expect(rollOver(bucket, Date.UTC(2026, 10, 25)).account.balance).toBe(300);
    // 55 tokens are 45 short: one refill of 50, due at 03:00.
    expect(affordableAt(bucket, 55, Date.UTC(2026, 10, 22, 1))).toBe(Date.UTC(2026, 10, 22, 3));
    // 120 short: three refills.
    expect(affordableAt(bucket, 130, Date.UTC(2026, 10, 22, 1))).toBe(Date.UTC(2026, 10, 22, 9));
    // More than the bucket can ever hold.
    expect(affordableAt(bucket, 400, Date.UTC(2026, 10, 22, 1))).toBeUndefined();
    // Held by another job now: counted as it stands; the bucket is full after enough refills.
    expect(affordableAt({ ...bucket, reserved: 290, balance: 300 }, 100, Date.UTC(2026, 10, 22, 1))).toBe(
      Date.UTC(2026, 10, 22, 6),
    );
    expect(usedFraction({ ...bucket, balance: 60 })).toBeCloseTo(0.8);
  });

  it('knows when a period account can afford an amount again', () => {
    expect(available(base)).toBe(30_000);
    expect(affordableAt(base, 25_000, 0)).toBe(0);
    expect(affordableAt(base, 100_000, 0)).toBe(Date.UTC(2026, 10, 23));
    expect(affordableAt(base, 2_000_000, 0)).toBeUndefined();
    expect(affordableAt({ ...base, period: 'none' }, 100_000, 0)).toBeUndefined();
  });

  it('announces each threshold once per period', () => {
    expect(crossedThresholds(base, [0.8, 1])).toEqual([]);
    expect(crossedThresholds({ ...base, used: 1_000_000 }, [0.8, 1])).toEqual([1]);
    expect(crossedThresholds({ ...base, thresholdsFired: [] }, [0.8, 1])).toEqual([0.8]);
  });
});

describe('pricing', () => {
  it('prices tokens per model, matching dated model names by prefix', () => {
    const price = priceOf(defaultPricing, 'openai', 'gpt-4o-mini-2024-07-18')!;
    expect(price).toEqual({ input: 0.15, output: 0.6, cached: 0.075 });
    // 1M input (half cached) + 200k output.
    expect(costUsd(price, { input: 1_000_000, output: 200_000, cached: 500_000 })).toBeCloseTo(
      0.075 + 0.0375 + 0.12,
      6,
    );
    expect(priceOf(defaultPricing, 'openai', 'gpt-9')).toBeUndefined();
    expect(priceOf({ openai: { '*': { input: 1, output: 1 } } }, 'openai', 'gpt-9')).toEqual({
      input: 1,
      output: 1,
    });
  });
});
