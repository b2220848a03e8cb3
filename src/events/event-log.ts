import type { Sql } from '../store/store.js';
import type { AnyHoldfastEvent, AnyNewEvent } from './event-map.js';

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
 * so a change and its event are committed together or not at all. One statement per 500 events;
 * with `notify`, the same statement tells other processes (on commit) which events to read.
 */
export async function appendEvents(
  tx: Sql,
  events: readonly AnyNewEvent[],
  notify?: { readonly origin: string },
): Promise<AnyHoldfastEvent[]> {
  const stored: AnyHoldfastEvent[] = [];
  for (let i = 0; i < events.length; i += maxPerStatement) {
    const chunk = events.slice(i, i + maxPerStatement);
    const rows = chunk.map((e) => ({
      job_id: e.jobId,
      seq: e.seq,
      type: e.type,
      tenant: e.tenant,
      payload: e.payload,
      at: new Date(e.at).toISOString(),
    }));
    // Identity values are drawn in insertion order, so ordering by id gives the input order back.
    const { rows: ids } = await tx.query<{ id: number }>(
      notify
        ? `with ins as (${insertSql} returning id),
                n as (select pg_notify('${eventsChannel}', json_build_object('o', $2::text, 'ids', json_agg(id))::text) from ins)
           select ins.id from ins left join (select count(*) from n) as notified on true order by ins.id`
        : `${insertSql} returning id`,
      notify ? [JSON.stringify(rows), notify.origin] : [JSON.stringify(rows)],
    );
    if (ids.length !== chunk.length)
      throw new Error(`appendEvents: inserted ${ids.length} of ${chunk.length} events`);
    const sorted = notify ? ids : [...ids].sort((a, b) => a.id - b.id);
    chunk.forEach((e, index) => {
      stored.push({
        id: sorted[index]!.id,
        type: e.type,
        jobId: e.jobId,
        seq: e.seq,
        tenant: e.tenant,
        at: new Date(e.at).toISOString(),
        payload: e.payload,
      } as AnyHoldfastEvent);
    });
  }
  return stored;
}

/** NOTIFY payloads are limited to 8000 bytes: they carry at most 500 event ids. */
const maxPerStatement = 500;

const insertSql = `insert into holdfast.events (job_id, seq, type, tenant, payload, at)
  select job_id, seq, type, tenant, payload, at
    from json_to_recordset($1::json) as x(job_id uuid, seq int, type text, tenant text, payload jsonb, at timestamptz)`;

/*
 * Every event Holdfast stores is written by `appendEvents` or by a statement built with
 * `eventsInsertSql` (the runtime's group commit, the claim): the one place where a commit's events
 * are known in full, inside its transaction. A write that must commit with certain events (a
 * notification outbox row for `job:failed`, `quota:warning`…) belongs next to these two, added to
 * the statement only when such an event is in it, so that commits without one pay nothing.
 */

/**
 * The INSERT of a composed statement: events given as a JSON array (`job_id`, `epoch`, `seq`,
 * `type`, `tenant`, `payload`) in parameter `param`, stamped `at`, kept only for the attempts in
 * the CTE `fence` (`id`, `lease_epoch`: those whose commit passed its lease check). Returns
 * `id, job_id, seq`.
 */
export function eventsInsertSql(param: string, at: string, fence: string): string {
  return `insert into holdfast.events (job_id, seq, type, tenant, payload, at)
  select x.job_id, x.seq, x.type, x.tenant, x.payload, ${at}
    from json_to_recordset(${param}::json) as x(job_id uuid, epoch int, seq int, type text, tenant text, payload jsonb)
    join ${fence} f on f.id = x.job_id and f.lease_epoch = x.epoch
  returning id, job_id, seq`;
}

/** The NOTIFY that tells other processes, on commit, which events of the CTE `from` to read. */
export function notifySql(channel: string, originParam: string, from: string): string {
  return `select pg_notify('${channel}', json_build_object('o', ${originParam}::text, 'ids', json_agg(id))::text) from ${from} having count(*) > 0`;
}

/** Seq numbers for `count` new events of a job whose last committed event is `lastSeq`. */
export function nextSeqs(lastSeq: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lastSeq + 1 + i);
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
