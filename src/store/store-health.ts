import type { HoldfastError } from '../errors/holdfast-error.js';

/** Whether the database answers: `down` from the first failed round trip until one succeeds again. */
export type StoreHealth =
  | { readonly state: 'up' }
  | { readonly state: 'down'; readonly since: number; readonly error: HoldfastError };

export type StoreHealthListener = (health: StoreHealth, previous: StoreHealth) => void;

/** Probes while down: the first after this long, then twice as long each time, up to `probeMaxMs`. */
const probeFirstMs = 200;
const probeMaxMs = 5000;

/**
 * Tracks the database's availability from the outcome of real queries: the first
 * DATABASE_UNAVAILABLE (or STORE_UNWRITABLE) marks it down, the next success marks it up.
 * Listeners hear each change once (a worker backs off, a log line is written, `/health/ready`
 * turns 503) — never once per failed query, which during an outage would be thousands.
 *
 * While it is down, and only then, a probe (a trivial query) runs on a capped, jittered backoff,
 * so that the return is noticed even when everything else has stopped asking.
 */
export class StoreHealthMonitor {
  #health: StoreHealth = { state: 'up' };
  readonly #listeners = new Set<StoreHealthListener>();
  readonly #probe: (() => Promise<unknown>) | undefined;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(probe?: () => Promise<unknown>) {
    this.#probe = probe;
  }

  get current(): StoreHealth {
    return this.#health;
  }

  /** How long the database has been down, or undefined while it is up. */
  downForMs(now = Date.now()): number | undefined {
    return this.#health.state === 'down' ? now - this.#health.since : undefined;
  }

  markDown(error: HoldfastError, now = Date.now()): void {
    if (this.#health.state === 'down' || this.#closed) return;
    this.#set({ state: 'down', since: now, error });
    this.#scheduleProbe(probeFirstMs);
  }

  markUp(): void {
    if (this.#health.state === 'up') return;
    this.#stopProbing();
    this.#set({ state: 'up' });
  }

  /** Stops probing for good (the store is closing). */
  close(): void {
    this.#closed = true;
    this.#stopProbing();
  }

  #scheduleProbe(delayMs: number): void {
    if (this.#probe === undefined || this.#closed || this.#probeTimer !== undefined) return;
    // Jitter: processes that lost the same database do not all come back at the same instant.
    const wait = Math.round(delayMs * (0.5 + Math.random() * 0.5));
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      if (this.#health.state === 'up' || this.#closed) return;
      // A success marks the store up (through the query path); a failure probes again later.
      this.#probe!().then(
        () => this.markUp(),
        () => {
          if (this.#health.state === 'down') this.#scheduleProbe(Math.min(probeMaxMs, delayMs * 2));
        },
      );
    }, wait);
    this.#probeTimer.unref();
  }

  #stopProbing(): void {
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  onChange(listener: StoreHealthListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #set(next: StoreHealth): void {
    const previous = this.#health;
    this.#health = next;
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch {
        // A listener's failure must not break the query path that reported the change.
      }
    }
  }
}
