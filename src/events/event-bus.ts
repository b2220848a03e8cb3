import type { Store } from '../store/store.js';
import { eventsChannel, readEventRows } from './event-log.js';
import type { AnyHoldfastEvent, EventType } from './event-map.js';

/** Which events a subscriber wants; every field narrows, none means everything. */
export interface EventFilter {
  readonly jobId?: string | undefined;
  readonly tenant?: string | undefined;
  /** Exact types, or prefixes ending in ':*' such as 'job:*'. */
  readonly types?: ReadonlyArray<EventType | `${string}:*`> | undefined;
}

export type EventListener = (event: AnyHoldfastEvent) => void;

interface Subscription {
  readonly filter: EventFilter;
  readonly fn: EventListener;
}

/**
 * Delivers committed events to subscribers. Events committed by this process are handed over
 * directly after their commit; on a shared PostgreSQL, events committed by other processes arrive
 * through LISTEN/NOTIFY within milliseconds. Delivery is at most once and per-job in order; a
 * subscriber that must not miss anything replays from the timeline (`replayEvents`) first.
 */
export class EventBus {
  readonly #subscriptions = new Set<Subscription>();
  readonly #store: Store;
  readonly #origin: string;
  readonly #onError: (error: unknown) => void;
  #unlisten: (() => Promise<void>) | undefined;
  /** Remote reads run one after another so events are published in commit order. */
  #remote: Promise<void> = Promise.resolve();

  constructor(store: Store, origin: string, onError: (error: unknown) => void = () => {}) {
    this.#store = store;
    this.#origin = origin;
    this.#onError = onError;
  }

  /** Identifies this process in NOTIFY payloads so it skips its own events. */
  get origin(): string {
    return this.#origin;
  }

  /** Starts receiving other processes' events (shared stores only). */
  async start(): Promise<void> {
    if (!this.#store.shared || this.#unlisten) return;
    this.#unlisten = await this.#store.listen(eventsChannel, (payload) => this.#onNotify(payload));
  }

  async stop(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.();
  }

  subscribe(filter: EventFilter, fn: EventListener): () => void {
    const subscription = { filter, fn };
    this.#subscriptions.add(subscription);
    return () => {
      this.#subscriptions.delete(subscription);
    };
  }

  get subscriberCount(): number {
    return this.#subscriptions.size;
  }

  /** Hands committed events to matching subscribers; a throwing subscriber does not stop others. */
  publish(events: readonly AnyHoldfastEvent[]): void {
    if (this.#subscriptions.size === 0) return;
    for (const event of events) {
      for (const subscription of this.#subscriptions) {
        if (!matches(subscription.filter, event)) continue;
        try {
          subscription.fn(event);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
  }

  #onNotify(payload: string): void {
    if (this.#subscriptions.size === 0) return;
    let message: { o?: string; rows?: number[] };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    if (message.o === this.#origin || !Array.isArray(message.rows)) return;
    const rows = message.rows;
    this.#remote = this.#remote
      .then(() => readEventRows(this.#store, rows).then((events) => this.publish(events)))
      .catch((error: unknown) => this.#onError(error));
  }
}

export function matches(filter: EventFilter, event: AnyHoldfastEvent): boolean {
  if (filter.jobId !== undefined && event.jobId !== filter.jobId) return false;
  if (filter.tenant !== undefined && event.tenant !== filter.tenant) return false;
  if (filter.types !== undefined && filter.types.length > 0) {
    return filter.types.some((t) =>
      t.endsWith(':*') ? event.type.startsWith(t.slice(0, -1)) : event.type === t,
    );
  }
  return true;
}
