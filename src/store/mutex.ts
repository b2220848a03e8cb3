/**
 * A fair async mutex: callers run one at a time, in arrival order. The embedded database has a
 * single connection, so a transaction must hold it from BEGIN to COMMIT.
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  /** Number of callers waiting or running. */
  get pending(): number {
    return this.#waiting;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#waiting += 1;
    try {
      await previous;
      return await fn();
    } finally {
      this.#waiting -= 1;
      release();
    }
  }
}
