import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { LiveHub } from './live-hub.js';
import type { SharedReplay } from './shared-replay.js';

/** The event types after which a job's stream ends. */
export const terminalEventTypes: ReadonlySet<string> = new Set([
  'job:succeeded',
  'job:failed',
  'job:cancelled',
]);

/** Where a feed delivers: an SSE response or a WebSocket subscription. */
export interface FeedSink {
  event(event: AnyHoldfastEvent): void;
  /** The job reached a terminal event: nothing more will come. */
  end(): void;
}

const page = 1000;

/**
 * One job's events for one subscriber, exactly once and in order: everything after `afterSeq`
 * from the timeline, then live events as they are committed, then the end after the terminal
 * event. A job's events are numbered 1, 2, 3… without gaps, so the feed knows what it has sent
 * (`last`) and what it is missing: live events it already replayed are skipped, and a gap (an
 * event lost between processes, or two processes' events arriving out of order) is filled from
 * the timeline before going on. This is what makes `Last-Event-ID` resume without loss or repeat.
 */
export class JobFeed {
  readonly #hub: LiveHub;
  readonly #replay: SharedReplay;
  readonly #jobId: string;
  readonly #sink: FeedSink;
  readonly #isTerminal: () => Promise<boolean>;
  readonly #onError: (error: unknown) => void;
  #last: number;
  #lastType: string | undefined;
  #pending: AnyHoldfastEvent[] = [];
  #live = false;
  #pumping = false;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: {
    hub: LiveHub;
    replay: SharedReplay;
    jobId: string;
    afterSeq: number;
    sink: FeedSink;
    /** Whether the job is in a terminal state now. */
    isTerminal: () => Promise<boolean>;
    onError: (error: unknown) => void;
  }) {
    this.#hub = options.hub;
    this.#replay = options.replay;
    this.#jobId = options.jobId;
    this.#sink = options.sink;
    this.#isTerminal = options.isTerminal;
    this.#onError = options.onError;
    this.#last = options.afterSeq;
  }

  /** The seq of the last event delivered. */
  get last(): number {
    return this.#last;
  }

  async start(): Promise<void> {
    // Subscribe first, replay second: an event committed in between is in both, and sent once.
    this.#unsubscribe = this.#hub.onJob(this.#jobId, (event) => {
      if (this.#stopped) return;
      // The common case, live and in order: delivered at once, without a queue or a promise
      // (a thousand subscribers of one job pay this a thousand times per event).
      if (this.#live && !this.#pumping && this.#pending.length === 0 && event.seq === this.#last + 1) {
        this.#deliver(event);
        return;
      }
      this.#pending.push(event);
      if (this.#live) void this.#pump();
    });
    await this.#replayUntil(Number.POSITIVE_INFINITY);
    if (this.#stopped) return;
    this.#live = true;
    await this.#pump();
    if (this.#stopped) return;
    if (this.#lastType !== undefined && terminalEventTypes.has(this.#lastType)) return this.#end();
    if (await this.#isTerminal()) {
      // Ended already (the caller had everything), or its last events were lost on the way.
      await this.#replayUntil(Number.POSITIVE_INFINITY);
      this.#end();
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#pending = [];
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#pending.length > 0 && !this.#stopped) {
        const event = this.#pending.shift()!;
        const seq = event.seq ?? 0;
        if (seq <= this.#last) continue;
        if (seq > this.#last + 1) await this.#replayUntil(seq - 1);
        if (this.#stopped || seq <= this.#last) continue;
        this.#deliver(event);
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#pumping = false;
    }
  }

  /** Sends the timeline's events after `last`, up to `until`, in pages. */
  async #replayUntil(until: number): Promise<void> {
    for (;;) {
      const events = await this.#replay.job(this.#jobId, this.#last, page);
      for (const event of events) {
        if (this.#stopped || (event.seq ?? 0) > until) return;
        this.#deliver(event);
      }
      if (events.length < page) return;
    }
  }

  #deliver(event: AnyHoldfastEvent): void {
    this.#last = event.seq ?? 0;
    this.#lastType = event.type;
    this.#sink.event(event);
    if (this.#live && terminalEventTypes.has(event.type)) this.#end();
  }

  #end(): void {
    if (this.#stopped) return;
    this.stop();
    this.#sink.end();
  }
}
