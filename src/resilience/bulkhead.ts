import { configError } from '../errors/config-error.js';
import { abortReason } from '../time/sleep.js';

export class BulkheadFull extends Error {
  constructor(
    readonly limit: number,
    readonly queued: number,
  ) {
    super(`bulkhead full: ${limit} calls running and ${queued} waiting`);
    this.name = 'BulkheadFull';
  }
}

/**
 * Limits concurrent calls to `limit`, with at most `queue` more waiting their turn in order.
 * Beyond that a call is refused at once (BulkheadFull) rather than piling up.
 */
export class Bulkhead {
  #running = 0;
  readonly #waiting: Array<{ grant: () => void; signal?: AbortSignal | undefined; onAbort?: () => void }> =
    [];

  constructor(
    readonly limit: number,
    readonly queue: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw configError(
        'bulkhead.concurrency',
        ['must be a whole number of 1 or more', 'doit être un nombre entier supérieur ou égal à 1'],
        limit,
      );
    if (!Number.isInteger(queue) || queue < 0)
      throw configError(
        'bulkhead.queue',
        ['must be a whole number of 0 or more', 'doit être un nombre entier positif ou nul'],
        queue,
      );
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Waits for a slot; resolves with the function that frees it (call it exactly once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#running < this.limit) {
      this.#running += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiting.length >= this.queue)
      return Promise.reject(new BulkheadFull(this.limit, this.#waiting.length));
    return new Promise((resolve, reject) => {
      const entry: { grant: () => void; signal?: AbortSignal | undefined; onAbort?: () => void } = {
        signal,
        grant: () => {
          if (entry.onAbort) signal?.removeEventListener('abort', entry.onAbort);
          this.#running += 1;
          resolve(this.#releaser());
        },
      };
      if (signal) {
        entry.onAbort = () => {
          const index = this.#waiting.indexOf(entry);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#waiting.push(entry);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running -= 1;
      this.#waiting.shift()?.grant();
    };
  }
}
