import { describe, expect, it } from 'vitest';
import { deadlineIn, earliestDeadline, remainingMs } from './deadline.js';
import { formatDuration, parseDuration } from './duration.js';
import { FakeClock } from './fake-clock.js';
import { sleep } from './sleep.js';

describe('durations', () => {
  it('parses what people write', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration(42)).toBe(42);
    expect(parseDuration('42')).toBe(42);
  });

  it('rejects what is not a duration, naming the option', () => {
    expect(() => parseDuration('5 minutes', 'timeout')).toThrow(/timeout must be a duration/);
    expect(() => parseDuration('5x')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => parseDuration(-1, 'retry.backoff.initial')).toThrow(/retry.backoff.initial/);
    expect(() => parseDuration('')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => parseDuration(null as never, 'worker.lease')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: expect.objectContaining({ option: 'worker.lease' }),
      }),
    );
  });

  it('formats durations for people, in both languages', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(1146)).toBe('1.1 s');
    expect(formatDuration(1146, 'fr')).toBe('1,1 s');
    expect(formatDuration(53_016)).toBe('53 s');
    expect(formatDuration(90_000)).toBe('1 min 30 s');
    expect(formatDuration(3_900_000)).toBe('1 h 5 min');
    expect(formatDuration(7_200_000)).toBe('2 h');
    expect(formatDuration(10_800_000 * 8, 'fr')).toBe('1 j');
  });
});

describe('FakeClock and sleep', () => {
  it('fires timers in order only when time is advanced', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(2), 200);
    clock.setTimeout(() => fired.push(1), 100);
    await clock.advance(150);
    expect(fired).toEqual([1]);
    await clock.advance(50);
    expect(fired).toEqual([1, 2]);
    expect(clock.now()).toBe(200);
  });

  it('sleeps on the clock and stops at once when aborted', async () => {
    const clock = new FakeClock(0);
    let done = false;
    const slept = sleep(1000, { clock }).then(() => {
      done = true;
    });
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await slept;
    expect(done).toBe(true);

    const controller = new AbortController();
    const aborted = sleep(10_000, { clock, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });

  it('computes deadlines', () => {
    const clock = new FakeClock(1000);
    expect(remainingMs(undefined, clock)).toBe(Number.POSITIVE_INFINITY);
    expect(remainingMs(1500, clock)).toBe(500);
    expect(remainingMs(500, clock)).toBe(0);
    expect(earliestDeadline(undefined, 3000, 2000)).toBe(2000);
    expect(deadlineIn(100, clock)).toBe(1100);
  });
});
