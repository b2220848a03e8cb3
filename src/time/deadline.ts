import type { Clock } from './clock.js';

/**
 * A point in time by which something must be finished. `undefined` means "no deadline" wherever a
 * deadline is optional; helpers here treat it as infinitely far away.
 */
export type Deadline = number | undefined;

/** Milliseconds left before the deadline (Infinity without one, 0 once it has passed). */
export function remainingMs(deadline: Deadline, clock: Clock): number {
  if (deadline === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(0, deadline - clock.now());
}

/** The earliest of several deadlines. */
export function earliestDeadline(...deadlines: Deadline[]): Deadline {
  let earliest: Deadline;
  for (const deadline of deadlines) {
    if (deadline !== undefined && (earliest === undefined || deadline < earliest)) earliest = deadline;
  }
  return earliest;
}

/** A deadline `ms` from now, or none when `ms` is undefined. */
export function deadlineIn(ms: number | undefined, clock: Clock): Deadline {
  return ms === undefined ? undefined : clock.now() + ms;
}
