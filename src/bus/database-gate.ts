import type { Logger } from '../runtime/logger.js';
import type { Store, StoreHealth } from '../store/store.js';
import { sleep } from '../time/sleep.js';
import { reconnectDelay } from './reconnect-delay.js';

/**
 * Stops the consumers while the database is away and starts them again when it is back. The store
 * reports its health from real queries (see StoreHealthMonitor); while it is down this gate probes
 * it with `select 1` at a growing interval (nothing else may be querying it: the consumers are
 * paused), so the first success both marks it up and resumes the consumers. Messages already in
 * hand wait in `waitUntilUp()` and are submitted then — none is nacked, so the broker does not
 * hand them back in a loop.
 */
export class DatabaseGate {
  readonly #store: Store;
  readonly #onChange: (up: boolean) => void;
  readonly #logger: Logger;
  readonly #stop = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #unsubscribe: () => void;
  #probing: Promise<void> | undefined;

  constructor(store: Store, onChange: (up: boolean) => void, logger: Logger) {
    this.#store = store;
    this.#onChange = onChange;
    this.#logger = logger;
    this.#unsubscribe = store.onHealthChange((health) => this.#changed(health));
    if (store.health.state === 'down') this.#changed(store.health);
  }

  get up(): boolean {
    return this.#store.health.state === 'up';
  }

  /**
   * Resolves when the database answers again (at once if it already seems to: a failed submit
   * that did not mark it down is then retried after a short pause). Rejects when `signal` aborts.
   */
  async waitUntilUp(signal: AbortSignal): Promise<void> {
    if (this.up) {
      await sleep(reconnectDelay(1), { signal });
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        if (signal.aborted) reject(signal.reason);
        else resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    this.#stop.abort(new Error('bus stopped'));
    await this.#probing;
  }

  #changed(health: StoreHealth): void {
    if (health.state === 'down') {
      this.#logger.warn(
        { err: health.error },
        'bus: the database is unavailable; consumers stop pulling until it is back (messages in hand wait)',
      );
      this.#onChange(false);
      this.#probing ??= this.#probe().finally(() => {
        this.#probing = undefined;
      });
      return;
    }
    this.#logger.warn({}, 'bus: the database is back; consumers pull again');
    this.#onChange(true);
    for (const wake of [...this.#waiters]) wake();
  }

  async #probe(): Promise<void> {
    const signal = this.#stop.signal;
    for (let attempt = 1; !signal.aborted && !this.up; attempt++) {
      try {
        await sleep(reconnectDelay(attempt), { signal });
        await this.#store.query('select 1');
      } catch {
        // Still down (the store keeps its health), or stopping.
      }
    }
  }
}
