import type { Sql } from '../store/store.js';
import type { AnyHoldfastEvent, AnyNewEvent, HoldfastEvent } from './event-map.js';

/** NOTIFY channel telling other processes that events were committed. */
export const eventsChannel = 'holdfast_events';

interface EventRow {
  id: number;
  type: string;
  job_id: string | null;
  seq: number | null;
  tenant: string | null;
  at: Date;
  payload: unknown;
}

export function eventFromRow(row: EventRow): AnyHoldfastEvent {
  return {
    id: row.id,
    type: row.type,
    jobId: row.job_id,
    seq: row.seq,
    tenant: row.tenant,
    at: row.at.toISOString(),
    payload: row.payload,
  } as AnyHoldfastEvent;
}

/**
 * Appends events in the caller's transaction — the one that makes the state change they report —
 * so a change and its event are committed together or not at all. One statement for any number of
 * events. With `notify`, other processes are told (on commit) which events to read.
 */
export async function appendEvents(
  tx: Sql,
  events: readonly AnyNewEvent[],
  notify?: { readonly origin: string },
): Promise<AnyHoldfastEvent[]> {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({
    job_id: e.jobId,
    seq: e.seq,
    type: e.type,
    tenant: e.tenant,
    payload: e.payload,
    at: new Date(e.at).toISOString(),
  }));
  const { rows: inserted } = await tx.query<EventRow>(
    `insert into holdfast.events (job_id, seq, type, tenant, payload, at)
     select job_id, seq, type, tenant, payload, at
       from jsonb_to_recordset($1::jsonb) as x(job_id uuid, seq int, type text, tenant text, payload jsonb, at timestamptz)
     returning id, type, job_id, seq, tenant, at, payload`,
    [JSON.stringify(rows)],
  );
  const stored = inserted.map(eventFromRow);
  if (notify) await notifyEvents(tx, notify.origin, stored);
  return stored;
}

/**
 * NOTIFY payloads are limited to 8000 bytes, so they carry event ids, not events; a process that
 * has subscribers reads the events it was told about.
 */
export async function notifyEvents(tx: Sql, origin: string, events: readonly HoldfastEvent[]): Promise<void> {
  const ids = events.map((e) => e.id);
  for (let i = 0; i < ids.length; i += 500) {
    const payload = JSON.stringify({ o: origin, ids: ids.slice(i, i + 500) });
    await tx.query('select pg_notify($1, $2)', [eventsChannel, payload]);
  }
}

export async function readEventsById(sql: Sql, ids: readonly number[]): Promise<AnyHoldfastEvent[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.query<EventRow>(
    `select id, type, job_id, seq, tenant, at, payload from holdfast.events where id = any($1::int8[]) order by id`,
    [ids],
  );
  return rows.map(eventFromRow);
}

export interface ReplayOptions {
  /** Events of this job after this seq (0 for all). */
  readonly jobId?: string | undefined;
  readonly afterSeq?: number | undefined;
  /** Without jobId: events after this global id, oldest first. */
  readonly afterId?: number | undefined;
  readonly limit?: number | undefined;
}

/**
 * Reads a timeline back. For one job, seq numbers have no gaps and follow commit order, so
 * "everything after seq N" is exact (this is what an SSE Last-Event-ID resumes from).
 */
export async function replayEvents(sql: Sql, options: ReplayOptions): Promise<AnyHoldfastEvent[]> {
  const limit = Math.min(options.limit ?? 1000, 10_000);
  if (options.jobId !== undefined) {
    const { rows } = await sql.query<EventRow>(
      `select id, type, job_id, seq, tenant, at, payload from holdfast.events
        where job_id = $1 and seq > $2 order by seq limit $3`,
      [options.jobId, options.afterSeq ?? 0, limit],
    );
    return rows.map(eventFromRow);
  }
  const { rows } = await sql.query<EventRow>(
    `select id, type, job_id, seq, tenant, at, payload from holdfast.events where id > $1 order by id limit $2`,
    [options.afterId ?? 0, limit],
  );
  return rows.map(eventFromRow);
}
