/**
 * How many more messages may be asked of the broker: `limit` minus those handed over and not yet
 * settled. A puller takes what is free (waiting while nothing is) and each settled message gives
 * one back. This is how an adapter whose broker has no shared prefetch (JetStream pull consumers)
 * keeps the `inflight` bound across several routes.
 */
export class Credit {
  #free: number;
  readonly #waiters = new Set<() => void>();

  constructor(readonly limit: number) {
    this.#free = limit;
  }

  get free(): number {
    return this.#free;
  }

  /** Handed over and not yet settled. */
  get inUse(): number {
    return this.limit - this.#free;
  }

  /** Takes between 1 and `max` credits, waiting until one is free; rejects if `signal` aborts. */
  async take(max: number, signal: AbortSignal): Promise<number> {
    while (this.#free === 0) {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (signal.aborted) throw signal.reason;
    const taken = Math.min(max, this.#free);
    this.#free -= taken;
    return taken;
  }

  give(count: number): void {
    if (count <= 0) return;
    this.#free = Math.min(this.limit, this.#free + count);
    for (const wake of [...this.#waiters]) wake();
  }
}
