import { holdfastError } from '../errors/holdfast-error.js';
import { sqlState } from './database-error.js';

/** What a flush answers for one operation: its result, or the error that refused it alone. */
export type OpOutcome<R> =
  | { readonly ok: true; readonly value: R }
  | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<Op, R> {
  /**
   * Commits a batch, in queue order, and answers each operation (same length and order). Throwing
   * fails the whole batch: every operation in it is rejected with that error.
   */
  readonly flush: (batch: readonly Op[]) => Promise<ReadonlyArray<OpOutcome<R>>>;
  /** Most operations per flush (default 256). */
  readonly batchSize?: number;
  /**
   * Flushes in flight at once (default 1). With more than one, operations with the same `key`
   * never travel in two concurrent flushes, so each key's operations commit in queue order.
   */
  readonly maxInFlight?: number;
  /**
   * A further flush starts while others are in flight only once the newest of them has been
   * waiting this long (default 1 ms): a slow commit (a disk sync) gets company at once, while
   * quick ones let operations gather into fewer, larger batches.
   */
  readonly overlapAfterMs?: number;
  readonly key?: (op: Op) => string | undefined;
  /** Whole-batch retries on a serialization failure or deadlock (default 3 tries in all). */
  readonly tries?: number;
}

interface Pending<Op, R> {
  readonly op: Op;
  readonly key: string | undefined;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: operations queued in the same turn of the event loop (and while a flush is in
 * flight) are committed together, so a busy process pays one transaction for dozens of operations
 * instead of one each. The runtime and the ledger both use it.
 *
 * Whatever happens, every queued operation is settled: resolved with its result, or rejected with
 * its own error or with the error that failed its batch (a lost connection rejects the batch with
 * DATABASE_UNAVAILABLE). `close()` drains: it waits for everything queued, then refuses more.
 */
export class GroupCommit<Op, R> {
  readonly #options: Required<Omit<GroupCommitOptions<Op, R>, 'key'>> &
    Pick<GroupCommitOptions<Op, R>, 'key'>;
  #queue: Array<Pending<Op, R>> = [];
  #inFlight = 0;
  /** When the newest flush in flight started. */
  #lastStart = 0;
  #overlapTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #busyKeys = new Map<string, number>();
  #scheduled = false;
  #closed = false;
  #idle: Array<() => void> = [];

  constructor(options: GroupCommitOptions<Op, R>) {
    this.#options = { batchSize: 256, maxInFlight: 1, tries: 3, overlapAfterMs: 1, ...options };
  }

  /** Operations waiting for a flush or in one. */
  get pending(): number {
    return this.#queue.length;
  }

  submit(op: Op): Promise<R> {
    if (this.#closed) return Promise.reject(holdfastError('SHUTTING_DOWN', {}));
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ op, key: this.#options.key?.(op), resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything queued so far is settled. */
  drain(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Drains, then refuses new operations with SHUTTING_DOWN. */
  async close(): Promise<void> {
    await this.drain();
    this.#closed = true;
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight) return;
    this.#scheduled = true;
    // One macrotask turn lets operations made in the same turn (jobs finishing together) share it.
    setImmediate(() => {
      this.#scheduled = false;
      this.#startFlushes();
    });
  }

  #startFlushes(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#queue.length > 0) {
      if (this.#inFlight > 0) {
        const wait = this.#lastStart + this.#options.overlapAfterMs - performance.now();
        if (wait > 0) {
          this.#overlapTimer ??= setTimeout(() => {
            this.#overlapTimer = undefined;
            this.#startFlushes();
          }, wait);
          return;
        }
      }
      const batch = this.#take();
      if (batch.length === 0) return;
      this.#inFlight += 1;
      this.#lastStart = performance.now();
      for (const p of batch)
        if (p.key !== undefined) this.#busyKeys.set(p.key, (this.#busyKeys.get(p.key) ?? 0) + 1);
      void this.#run(batch).finally(() => {
        this.#inFlight -= 1;
        for (const p of batch) {
          if (p.key === undefined) continue;
          const n = this.#busyKeys.get(p.key)! - 1;
          if (n === 0) this.#busyKeys.delete(p.key);
          else this.#busyKeys.set(p.key, n);
        }
        if (this.#queue.length > 0) this.#startFlushes();
        else if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
      });
    }
  }

  /** The next batch: queue order, leaving behind (with all its later operations) any key in flight. */
  #take(): Array<Pending<Op, R>> {
    const { batchSize } = this.#options;
    if (this.#busyKeys.size === 0) return this.#queue.splice(0, batchSize);
    const batch: Array<Pending<Op, R>> = [];
    const rest: Array<Pending<Op, R>> = [];
    const held = new Set<string>();
    for (const p of this.#queue) {
      const blocked = p.key !== undefined && (this.#busyKeys.has(p.key) || held.has(p.key));
      if (blocked || batch.length >= batchSize) {
        if (p.key !== undefined) held.add(p.key);
        rest.push(p);
      } else batch.push(p);
    }
    this.#queue = rest;
    return batch;
  }

  async #run(batch: Array<Pending<Op, R>>): Promise<void> {
    const ops = batch.map((p) => p.op);
    for (let attempt = 1; ; attempt++) {
      let outcomes: ReadonlyArray<OpOutcome<R>>;
      try {
        outcomes = await this.#options.flush(ops);
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        const transient = code === sqlState.deadlockDetected || code === sqlState.serializationFailure;
        if (transient && attempt < this.#options.tries) continue;
        for (const p of batch) p.reject(error);
        return;
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined)
          p.reject(holdfastError('INTERNAL', { reason: 'group commit: no outcome' }));
        else if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      });
      return;
    }
  }
}
