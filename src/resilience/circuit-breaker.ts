import { configError } from '../errors/config-error.js';
import type { Clock } from '../time/clock.js';

/** When to open: after N failures in a row, or when the failure rate over a window is too high. */
export type BreakerPolicy =
  | { readonly kind: 'consecutive'; readonly threshold: number; readonly halfOpenAfterMs: number }
  | {
      readonly kind: 'rate';
      /** Fraction of failed calls (0–1) that opens the breaker. */
      readonly threshold: number;
      /** Calls needed in the window before the rate counts. */
      readonly minimumCalls: number;
      readonly windowMs: number;
      readonly halfOpenAfterMs: number;
    };

export type BreakerState =
  | { readonly state: 'closed'; readonly failures: number }
  | {
      readonly state: 'open';
      readonly since: number;
      readonly until: number;
      readonly failures: number;
      readonly reason: string;
    }
  | { readonly state: 'half-open'; readonly since: number; readonly trialInFlight: boolean };

export type BreakerEvent =
  | {
      readonly type: 'opened';
      readonly failures: number;
      readonly retryAfterMs: number;
      readonly reason: string;
    }
  | { readonly type: 'half-opened' }
  | { readonly type: 'closed' };

/** What `admit` decided: go ahead (and whether this call is the half-open trial), or wait. */
export type Admission =
  | { readonly ok: true; readonly trial: boolean }
  | { readonly ok: false; readonly retryAfterMs: number };

/**
 * A circuit breaker: closed (calls flow) → open after too many failures (calls are refused at
 * once, without reaching the provider) → half-open after a while (exactly one trial call goes
 * through; others are still refused) → closed if the trial succeeds, open again if it fails.
 */
export class CircuitBreaker {
  #state: BreakerState = { state: 'closed', failures: 0 };
  /** Outcomes in the rate window: [time, failed]. */
  #window: Array<[number, boolean]> = [];

  constructor(
    readonly policy: BreakerPolicy,
    private readonly clock: Clock,
    private readonly onEvent: (event: BreakerEvent) => void = () => {},
  ) {
    if (policy.kind === 'consecutive' && !(Number.isInteger(policy.threshold) && policy.threshold >= 1)) {
      throw configError(
        'breaker.failures',
        ['must be a whole number of 1 or more', 'doit être un nombre entier supérieur ou égal à 1'],
        policy.threshold,
      );
    }
    if (policy.kind === 'rate' && !(policy.threshold > 0 && policy.threshold <= 1)) {
      throw configError(
        'breaker.failureRate',
        [
          'must be a fraction above 0 and at most 1, such as 0.5',
          'doit être une fraction supérieure à 0 et au plus 1, comme 0.5',
        ],
        policy.threshold,
      );
    }
  }

  /** The state, with the open timeout resolved against the clock (JSON-safe). */
  get state(): BreakerState {
    this.#advance();
    return this.#state;
  }

  /** Asks to make a call. A refused call must not be attempted. */
  admit(): Admission {
    this.#advance();
    const s = this.#state;
    switch (s.state) {
      case 'closed':
        return { ok: true, trial: false };
      case 'open':
        return { ok: false, retryAfterMs: Math.max(1, s.until - this.clock.now()) };
      case 'half-open':
        if (s.trialInFlight)
          return { ok: false, retryAfterMs: Math.max(1, Math.min(1000, this.policy.halfOpenAfterMs)) };
        this.#state = { ...s, trialInFlight: true };
        return { ok: true, trial: true };
      default: {
        const never: never = s;
        throw new Error(`unknown breaker state ${JSON.stringify(never)}`);
      }
    }
  }

  /** Reports the outcome of an admitted call. */
  record(outcome: 'success' | 'failure', reason = 'failure'): void {
    this.#advance();
    const now = this.clock.now();
    const s = this.#state;
    if (s.state === 'half-open') {
      if (outcome === 'success') this.#close();
      else this.#open(1, `trial call failed: ${reason}`);
      return;
    }
    if (s.state === 'open') return; // a call admitted before opening finished late
    if (this.policy.kind === 'consecutive') {
      if (outcome === 'success') this.#state = { state: 'closed', failures: 0 };
      else if (s.failures + 1 >= this.policy.threshold)
        this.#open(s.failures + 1, `${s.failures + 1} failures in a row (${reason})`);
      else this.#state = { state: 'closed', failures: s.failures + 1 };
      return;
    }
    const { windowMs, minimumCalls, threshold } = this.policy;
    this.#window.push([now, outcome === 'failure']);
    this.#window = this.#window.filter(([t]) => t > now - windowMs);
    const failures = this.#window.filter(([, failed]) => failed).length;
    this.#state = { state: 'closed', failures };
    if (this.#window.length >= minimumCalls && failures / this.#window.length >= threshold) {
      this.#open(
        failures,
        `${failures}/${this.#window.length} calls failed in ${Math.round(windowMs / 1000)} s (${reason})`,
      );
    }
  }

  /** Returns a call's admission without an outcome (aborted before it reached the provider). */
  cancel(admission: Admission): void {
    if (admission.ok && admission.trial && this.#state.state === 'half-open') {
      this.#state = { ...this.#state, trialInFlight: false };
    }
  }

  toJSON(): BreakerState {
    return this.state;
  }

  #advance(): void {
    const s = this.#state;
    if (s.state === 'open' && this.clock.now() >= s.until) {
      this.#state = { state: 'half-open', since: this.clock.now(), trialInFlight: false };
      this.onEvent({ type: 'half-opened' });
    }
  }

  #open(failures: number, reason: string): void {
    const now = this.clock.now();
    const { halfOpenAfterMs } = this.policy;
    this.#state = { state: 'open', since: now, until: now + halfOpenAfterMs, failures, reason };
    this.#window = [];
    this.onEvent({ type: 'opened', failures, retryAfterMs: halfOpenAfterMs, reason });
  }

  #close(): void {
    this.#state = { state: 'closed', failures: 0 };
    this.#window = [];
    this.onEvent({ type: 'closed' });
  }
}
