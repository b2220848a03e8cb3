import type { HoldfastError } from '../errors/holdfast-error.js';

/** The abort reason when this worker stops: the job is handed back, not failed. */
export class WorkerStopping extends Error {
  constructor() {
    super('The worker is stopping; the job is handed back to the queue');
    this.name = 'WorkerStopping';
  }
}

/** Why an attempt or a step was stopped: a coded failure (timeout, cancel, lease lost), or shutdown. */
export type AbortReason = HoldfastError | WorkerStopping;

type Listener = (reason: AbortReason) => void;

/**
 * An abort that costs nothing until someone needs an AbortSignal: most steps never look at
 * `ctx.signal`, and an AbortController (with its listeners and event dispatch) per step and per
 * attempt was a measurable share of a short job's cost. The signal is made on first use, already
 * aborted if the scope was.
 */
export class AbortScope {
  #reason: AbortReason | undefined;
  #controller: AbortController | undefined;
  #listeners: Set<Listener> | undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): AbortReason | undefined {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Stops the scope; the first reason wins. */
  abort(reason: AbortReason): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const fn of listeners) fn(reason);
  }

  /** Calls `fn` when the scope aborts (at once if it has); returns the function that unregisters it. */
  onAbort(fn: Listener): () => void {
    if (this.#reason !== undefined) {
      fn(this.#reason);
      return () => {};
    }
    this.#listeners ??= new Set();
    this.#listeners.add(fn);
    return () => {
      this.#listeners?.delete(fn);
    };
  }

  /**
   * Settles like `promise`, or rejects with the abort reason as soon as the scope aborts. Code
   * that ignores the abort keeps running in the background, but nobody waits for it any more,
   * and its later failure is swallowed here.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {});
    if (this.#reason !== undefined) return Promise.reject(this.#reason);
    return new Promise<T>((resolve, reject) => {
      const off = this.onAbort(reject);
      promise.then(
        (value) => {
          off();
          resolve(value);
        },
        (error: unknown) => {
          off();
          reject(error);
        },
      );
    });
  }
}

/** Calls `fn` (sync or async) and always returns a promise, turning a sync throw into a rejection. */
export function invoke<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}
