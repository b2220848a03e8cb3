/**
 * How long to wait before the `failures`-th attempt to reach the broker or the database again:
 * 250 ms doubling to 10 s, with ±20 % jitter so that many consumers do not retry in step.
 */
export function reconnectDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(10_000, 250 * 2 ** Math.max(0, Math.min(failures - 1, 10)));
  return Math.round(base * (0.8 + 0.4 * random()));
}
