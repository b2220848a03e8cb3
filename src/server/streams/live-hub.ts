import type { EventBus } from '../../events/event-bus.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';

export type LiveListener = (event: AnyHoldfastEvent) => void;

/** An open stream (SSE response or WebSocket) the hub keeps alive and closes on shutdown. */
export interface LiveStream {
  heartbeat(): void;
  close(reason: 'shutdown'): void;
}

/**
 * The one subscriber of this process's event bus that every live stream shares. Events reach the
 * streams of their job through a map (so 1,000 streams on one job cost one lookup per event, and
 * 10,000 streams on other jobs cost nothing), and the streams of everything through a set. The
 * hub forwards any event type the bus delivers — new types (notifications) need no change here.
 * One timer sends every stream's heartbeat.
 */
export class LiveHub {
  readonly #bus: EventBus;
  readonly #heartbeatMs: number;
  readonly #byJob = new Map<string, Set<LiveListener>>();
  readonly #all = new Set<LiveListener>();
  readonly #streams = new Set<LiveStream>();
  readonly #onError: (error: unknown) => void;
  #unsubscribe: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(bus: EventBus, options: { heartbeatMs: number; onError?: (error: unknown) => void }) {
    this.#bus = bus;
    this.#heartbeatMs = options.heartbeatMs;
    this.#onError = options.onError ?? (() => {});
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#bus.subscribe({}, (event) => this.#dispatch(event));
    this.#timer = setInterval(() => {
      for (const stream of this.#streams) stream.heartbeat();
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Events of one job, as they are committed (at most once, per-job in order: see JobFeed). */
  onJob(jobId: string, listener: LiveListener): () => void {
    let set = this.#byJob.get(jobId);
    if (!set) {
      set = new Set();
      this.#byJob.set(jobId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#byJob.get(jobId) === set) this.#byJob.delete(jobId);
    };
  }

  /** Every event, as it is committed. */
  onAll(listener: LiveListener): () => void {
    this.#all.add(listener);
    return () => {
      this.#all.delete(listener);
    };
  }

  /** Keeps a stream alive with heartbeats until it is untracked; closes it on shutdown. */
  track(stream: LiveStream): () => void {
    this.#streams.add(stream);
    return () => {
      this.#streams.delete(stream);
    };
  }

  /** Tells every open stream that this process is going away, and ends it. */
  closeAll(): void {
    for (const stream of [...this.#streams]) {
      try {
        stream.close('shutdown');
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#streams.clear();
  }

  get openStreams(): number {
    return this.#streams.size;
  }

  #dispatch(event: AnyHoldfastEvent): void {
    if (event.jobId !== null) {
      const set = this.#byJob.get(event.jobId);
      if (set) for (const listener of set) this.#call(listener, event);
    }
    for (const listener of this.#all) this.#call(listener, event);
  }

  #call(listener: LiveListener, event: AnyHoldfastEvent): void {
    try {
      listener(event);
    } catch (error) {
      this.#onError(error);
    }
  }
}
