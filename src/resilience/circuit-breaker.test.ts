import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.js';
import { type BreakerEvent, CircuitBreaker } from './circuit-breaker.js';

describe('circuit breaker', () => {
  it('opens after N consecutive failures, refuses while open, lets one trial through, closes on success', async () => {
    const clock = new FakeClock(0);
    const events: BreakerEvent[] = [];
    const breaker = new CircuitBreaker(
      { kind: 'consecutive', threshold: 3, halfOpenAfterMs: 30_000 },
      clock,
      (e) => events.push(e),
    );
    for (let i = 0; i < 2; i++) {
      expect(breaker.admit().ok).toBe(true);
      breaker.record('failure');
    }
    // A success in between resets the count.
    breaker.admit();
    breaker.record('success');
    for (let i = 0; i < 3; i++) {
      expect(breaker.admit().ok).toBe(true);
      breaker.record('failure', 'HTTP 503');
    }
    expect(breaker.state).toMatchObject({ state: 'open', failures: 3 });
    expect(events).toEqual([
      { type: 'opened', failures: 3, retryAfterMs: 30_000, reason: '3 failures in a row (HTTP 503)' },
    ]);
    await clock.advance(10_000);
    expect(breaker.admit()).toEqual({ ok: false, retryAfterMs: 20_000 });
    await clock.advance(20_000);
    expect(breaker.state.state).toBe('half-open');
    expect(breaker.admit()).toEqual({ ok: true, trial: true });
    // While the trial is out, everyone else is refused.
    expect(breaker.admit().ok).toBe(false);
    breaker.record('success');
    expect(breaker.state).toEqual({ state: 'closed', failures: 0 });
    expect(events.map((e) => e.type)).toEqual(['opened', 'half-opened', 'closed']);
  });

  it('reopens when the trial fails', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ kind: 'consecutive', threshold: 1, halfOpenAfterMs: 1000 }, clock);
    breaker.admit();
    breaker.record('failure');
    await clock.advance(1000);
    expect(breaker.admit()).toEqual({ ok: true, trial: true });
    breaker.record('failure', 'timeout');
    expect(breaker.state).toMatchObject({ state: 'open', until: 2000 });
  });

  it('returns an unused trial to the pool', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ kind: 'consecutive', threshold: 1, halfOpenAfterMs: 1000 }, clock);
    breaker.admit();
    breaker.record('failure');
    await clock.advance(1000);
    const trial = breaker.admit();
    breaker.cancel(trial);
    expect(breaker.admit()).toEqual({ ok: true, trial: true });
  });

  it('opens on a failure rate over a sliding window, once enough calls were seen', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker(
      { kind: 'rate', threshold: 0.5, minimumCalls: 10, windowMs: 60_000, halfOpenAfterMs: 5000 },
      clock,
    );
    for (let i = 0; i < 8; i++) {
      breaker.admit();
      breaker.record(i % 2 === 0 ? 'failure' : 'success');
      await clock.advance(1000);
    }
    expect(breaker.state.state).toBe('closed');
    breaker.admit();
    breaker.record('failure');
    breaker.admit();
    breaker.record('failure');
    expect(breaker.state).toMatchObject({ state: 'open', failures: 6 });
    // Old outcomes leave the window.
    const fresh = new CircuitBreaker(
      { kind: 'rate', threshold: 0.5, minimumCalls: 4, windowMs: 10_000, halfOpenAfterMs: 5000 },
      clock,
    );
    for (let i = 0; i < 3; i++) {
      fresh.admit();
      fresh.record('failure');
    }
    await clock.advance(11_000);
    fresh.admit();
    fresh.record('success');
    expect(fresh.state).toEqual({ state: 'closed', failures: 0 });
  });

  it('serialises its state as JSON', () => {
    const breaker = new CircuitBreaker(
      { kind: 'consecutive', threshold: 1, halfOpenAfterMs: 1000 },
      new FakeClock(5),
    );
    breaker.admit();
    breaker.record('failure', 'HTTP 500');
    expect(JSON.parse(JSON.stringify(breaker))).toEqual({
      state: 'open',
      since: 5,
      until: 1005,
      failures: 1,
      reason: '1 failures in a row (HTTP 500)',
    });
  });
});
