import type { HoldfastError } from '../errors/holdfast-error.js';

/** Whether the database answers: `down` from the first failed round trip until one succeeds again. */
export type StoreHealth =
  | { readonly state: 'up' }
  | { readonly state: 'down'; readonly since: number; readonly error: HoldfastError };

export type StoreHealthListener = (health: StoreHealth, previous: StoreHealth) => void;

/**
 * Tracks the database's availability from the outcome of real queries, so that nothing polls it:
 * the first DATABASE_UNAVAILABLE marks it down, the next success marks it up. Listeners hear each
 * change once (a worker backs off, a log line is written, `/health/ready` turns 503) — never once
 * per failed query, which during an outage would be thousands.
 */
export class StoreHealthMonitor {
  #health: StoreHealth = { state: 'up' };
  readonly #listeners = new Set<StoreHealthListener>();

  get current(): StoreHealth {
    return this.#health;
  }

  /** How long the database has been down, or undefined while it is up. */
  downForMs(now = Date.now()): number | undefined {
    return this.#health.state === 'down' ? now - this.#health.since : undefined;
  }

  markDown(error: HoldfastError, now = Date.now()): void {
    if (this.#health.state === 'down') return;
    this.#set({ state: 'down', since: now, error });
  }

  markUp(): void {
    if (this.#health.state === 'up') return;
    this.#set({ state: 'up' });
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
