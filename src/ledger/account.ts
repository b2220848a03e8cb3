/** How an account's limit renews. */
export type Period = 'day' | 'month' | 'none' | 'refill';

/** An account in memory: the figures of holdfast.accounts as numbers. */
export interface Account {
  readonly id: number;
  readonly scope: string;
  readonly meter: string;
  readonly period: Period;
  /** The limit per period; for a refill bucket, its capacity. */
  readonly limit: number;
  readonly refillAmount: number | undefined;
  readonly refillEveryMs: number | undefined;
  /** Start of the current period, or the last refill of a bucket (epoch ms). */
  readonly periodStart: number;
  readonly used: number;
  readonly reserved: number;
  /** Buckets: tokens in the bucket, reserved ones included. */
  readonly balance: number | undefined;
  readonly credited: number;
  readonly thresholdsFired: readonly number[];
  readonly limitOverride: boolean;
}

const dayMs = 86_400_000;

/** Start of the UTC day or month containing `now`; 0 for 'none'. */
export function periodStartOf(period: Period, now: number): number {
  if (period === 'day') return Math.floor(now / dayMs) * dayMs;
  if (period === 'month') {
    const d = new Date(now);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  return 0;
}

/** When the current period ends (the limit renews), or undefined if it never does. */
export function nextResetAt(
  account: Pick<Account, 'period' | 'periodStart' | 'refillEveryMs'>,
): number | undefined {
  switch (account.period) {
    case 'day':
      return account.periodStart + dayMs;
    case 'month': {
      const d = new Date(account.periodStart);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    case 'refill':
      return account.periodStart + (account.refillEveryMs ?? 0);
    case 'none':
      return undefined;
    default: {
      const never: never = account.period;
      throw new Error(`unknown period ${String(never)}`);
    }
  }
}

/** A key naming the current period: '2026-11-22', '2026-11', 'none', or the bucket's refill time. */
export function periodKey(account: Pick<Account, 'period' | 'periodStart'>): string {
  const iso = new Date(account.periodStart).toISOString();
  if (account.period === 'day') return iso.slice(0, 10);
  if (account.period === 'month') return iso.slice(0, 7);
  return account.period === 'none' ? 'none' : iso;
}

/**
 * Brings an account up to `now`, lazily: a new day or month starts from zero (credits and
 * announced thresholds too), and a bucket receives every refill that fell due, up to its
 * capacity. Returns the account unchanged when nothing happened.
 */
export function rollOver(account: Account, now: number): { account: Account; kind?: 'rollover' | 'refill' } {
  if (account.period === 'day' || account.period === 'month') {
    const start = periodStartOf(account.period, now);
    if (start <= account.periodStart) return { account };
    return {
      account: { ...account, periodStart: start, used: 0, credited: 0, thresholdsFired: [] },
      kind: 'rollover',
    };
  }
  if (account.period === 'refill') {
    const every = account.refillEveryMs ?? 0;
    if (every <= 0) return { account };
    const refills = Math.floor((now - account.periodStart) / every);
    if (refills <= 0) return { account };
    const balance = Math.min(account.limit, (account.balance ?? 0) + refills * (account.refillAmount ?? 0));
    const refilled = balance !== account.balance;
    return {
      account: {
        ...account,
        balance,
        periodStart: account.periodStart + refills * every,
        ...(refilled ? { thresholdsFired: [] } : {}),
      },
      kind: 'refill',
    };
  }
  return { account };
}

/** What can still be reserved. */
export function available(account: Account): number {
  if (account.period === 'refill') return (account.balance ?? 0) - account.reserved;
  return account.limit + account.credited - account.used - account.reserved;
}

/** The limit in force this period (a bucket's capacity). */
export function effectiveLimit(account: Account): number {
  return account.period === 'refill' ? account.limit : account.limit + account.credited;
}

/** How much of the limit is spent, 0–1 (a bucket: how empty it is). */
export function usedFraction(account: Account): number {
  const limit = effectiveLimit(account);
  if (limit <= 0) return 1;
  const spent = account.period === 'refill' ? account.limit - (account.balance ?? 0) : account.used;
  return Math.max(0, Math.min(1, spent / limit));
}

/**
 * When `amount` will fit, if it ever can without an operator: a bucket after enough refills, a
 * day or month account at its next reset. Undefined when it never will (larger than the limit).
 * Holds of other jobs are counted as they are now; they are released or spent in time, and a job
 * parked until then checks again when it is claimed.
 */
export function affordableAt(account: Account, amount: number, now: number): number | undefined {
  if (available(account) >= amount) return now;
  if (account.period === 'refill') {
    const refill = account.refillAmount ?? 0;
    if (refill <= 0 || amount > account.limit) return undefined;
    const deficit = amount - available(account);
    const refills = Math.ceil(deficit / refill);
    return account.periodStart + refills * (account.refillEveryMs ?? 0);
  }
  if (account.period === 'none') return undefined;
  if (amount > account.limit + account.credited) return undefined;
  return nextResetAt(account);
}

/** Thresholds crossed between two states of an account, not yet announced this period. */
export function crossedThresholds(after: Account, thresholds: readonly number[]): number[] {
  const fraction = usedFraction(after);
  return thresholds.filter((t) => fraction >= t && !after.thresholdsFired.includes(t));
}
