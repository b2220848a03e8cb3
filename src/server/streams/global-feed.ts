import { replayEvents } from '../../events/event-log.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { Sql } from '../../store/store.js';
import { canSeeEvent, type Principal } from '../auth/principal.js';
import type { LiveHub } from './live-hub.js';

/** What a caller of `GET /v1/events` or a WebSocket filter subscription asks for. */
export interface GlobalFilter {
  /**
   * Exact types or prefixes such as `job:*`; none means every type. Any text: types that later
   * parts add (`notification:*`) are filtered like the others.
   */
  readonly types?: readonly string[] | undefined;
  readonly pipeline?: string | undefined;
  /** The admin may narrow to one tenant; a tenant's principal is narrowed to its own anyway. */
  readonly tenant?: string | undefined;
}

const page = 1000;

/**
 * Everything a principal may see, filtered, as it is committed — after, when asked, replaying the
 * timeline after a global event id. Global ids follow insertion, not commit, order across
 * processes, so a replay after an id is exact for one process and best effort across several;
 * a client that must not miss one job's events follows that job (JobFeed), which is exact.
 */
export class GlobalFeed {
  readonly #hub: LiveHub;
  readonly #sql: Sql;
  readonly #principal: Principal;
  readonly #filter: GlobalFilter;
  readonly #afterId: number | undefined;
  readonly #send: (event: AnyHoldfastEvent) => void;
  readonly #pipelineOf: (jobId: string) => Promise<string | undefined>;
  readonly #onError: (error: unknown) => void;
  #pending: AnyHoldfastEvent[] = [];
  #replayed: Set<number> | undefined;
  #live = false;
  #pumping = false;
  #stopped = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: {
    hub: LiveHub;
    sql: Sql;
    principal: Principal;
    filter: GlobalFilter;
    afterId?: number | undefined;
    send: (event: AnyHoldfastEvent) => void;
    pipelineOf: (jobId: string) => Promise<string | undefined>;
    onError: (error: unknown) => void;
  }) {
    this.#hub = options.hub;
    this.#sql = options.sql;
    this.#principal = options.principal;
    this.#filter = options.filter;
    this.#afterId = options.afterId;
    this.#send = options.send;
    this.#pipelineOf = options.pipelineOf;
    this.#onError = options.onError;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.#hub.onAll((event) => {
      if (this.#stopped || !this.#visible(event)) return;
      this.#pending.push(event);
      if (this.#live) void this.#pump();
    });
    if (this.#afterId !== undefined) {
      this.#replayed = new Set();
      let after = this.#afterId;
      for (;;) {
        const events = await replayEvents(this.#sql, { afterId: after, limit: page });
        for (const event of events) {
          if (this.#stopped) return;
          this.#replayed.add(event.id);
          if (this.#visible(event) && (await this.#wanted(event))) this.#send(event);
        }
        if (events.length < page) break;
        after = events.at(-1)!.id;
      }
    }
    this.#live = true;
    await this.#pump();
    this.#replayed = undefined;
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
        if (this.#replayed?.has(event.id)) continue;
        if (await this.#wanted(event)) {
          if (this.#stopped) return;
          this.#send(event);
        }
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#pumping = false;
    }
  }

  #visible(event: AnyHoldfastEvent): boolean {
    if (!canSeeEvent(this.#principal, event)) return false;
    if (this.#filter.tenant !== undefined && event.tenant !== this.#filter.tenant) return false;
    const { types } = this.#filter;
    return (
      types === undefined ||
      types.length === 0 ||
      types.some((t) => (t.endsWith(':*') ? event.type.startsWith(t.slice(0, -1)) : event.type === t))
    );
  }

  async #wanted(event: AnyHoldfastEvent): Promise<boolean> {
    if (this.#filter.pipeline === undefined) return true;
    if (event.jobId === null) return false;
    return (await this.#pipelineOf(event.jobId)) === this.#filter.pipeline;
  }
}
