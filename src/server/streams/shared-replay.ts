import { replayEvents } from '../../events/event-log.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { Sql } from '../../store/store.js';

/**
 * Reads a job's timeline for the streams, sharing identical reads in flight: when a thousand
 * browsers open the same job's stream at once, they all start from the same point and one query
 * serves them all, instead of a thousand queueing for the database's connections.
 */
export class SharedReplay {
  readonly #sql: Sql;
  readonly #inFlight = new Map<string, Promise<AnyHoldfastEvent[]>>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  job(jobId: string, afterSeq: number, limit: number): Promise<AnyHoldfastEvent[]> {
    const key = `${jobId}/${afterSeq}/${limit}`;
    let read = this.#inFlight.get(key);
    if (!read) {
      read = replayEvents(this.#sql, { jobId, afterSeq, limit }).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, read);
    }
    return read;
  }
}
