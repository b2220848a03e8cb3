import type { Sql } from '../store/store.js';
import type { AnyHoldfastEvent, AnyNewEvent } from './event-map.js';

/** NOTIFY channel telling other processes that events were committed. */
export const eventsChannel = 'holdfast_events';

/*
 * Storage. A row of holdfast.events holds a run of consecutive events of one job committed
 * together (a job's claim, a step's start, checkpoint and the job's outcome…), up to
 * `eventsPerRow`: `seq` is the seq of its first event, `types` and `payloads` the events in
 * order. An event without a job (quota, provider) has a row of its own. An event's id is
 * `row id × eventsPerRow + its index in the row`: unique, and increasing in commit order like the
 * row ids, so "after id N" and "after seq N" stay exact. One row per commit instead of one per
 * event: a one-step job writes 3 rows instead of 5.
 *
 * Every event Holdfast stores is written by `appendEvents` or by a statement built with
 * `eventsInsertSql` (the runtime's group commit; the claim writes `job:started` the same way):
 * the one place where a commit's events are known in full, inside its transaction. A write that
 * must commit with certain events (a notification outbox row for `job:failed`, `quota:warning`…)
 * belongs next to these, added to the statement only when such an event is in it, so that
 * commits without one pay nothing.
 */
export const eventsPerRow = 64;

interface EventRow {
  id: number;
  job_id: string | null;
  seq: number | null;
  tenant: string | null;
  at: Date;
  types: string[];
  payloads: unknown[];
}

/** The events a stored row holds. */
export function eventsOfRow(row: EventRow): AnyHoldfastEvent[] {
  const at = row.at.toISOString();
  return row.types.map(
    (type, i) =>
      ({
        id: row.id * eventsPerRow + i,
        type,
        jobId: row.job_id,
        seq: row.seq === null ? null : row.seq + i,
        tenant: row.tenant,
        at,
        payload: row.payloads[i],
      }) as AnyHoldfastEvent,
  );
}

/**
 * Appends events in the caller's transaction — the one that makes the state change they report —
 * so a change and its event are committed together or not at all. Consecutive events of one job
 * share a row. With `notify`, the same statement tells other processes (on commit) which rows to
 * read.
 */
export async function appendEvents(
  tx: Sql,
  events: readonly AnyNewEvent[],
  notify?: { readonly origin: string },
): Promise<AnyHoldfastEvent[]> {
  const rows = toRows(events);
  const stored: AnyHoldfastEvent[] = [];
  for (let i = 0; i < rows.length; i += maxRowsPerStatement) {
    const chunk = eventRows(rows.slice(i, i + maxRowsPerStatement));
    const { rows: ids } = await tx.query<{ id: number }>(
      notify
        ? `with ins as (${rowsInsertSql('$1')}),
                n as (${notifySql(eventsChannel, '$2', 'ins')})
           select ins.id, ${notifiedColumn('n')} from ins`
        : rowsInsertSql('$1'),
      notify ? [chunk.json, notify.origin] : [chunk.json],
    );
    stored.push(...chunk.stored(ids.map((r) => r.id)));
  }
  return stored;
}

/** Event rows ready to insert (as JSON for `rowsInsertSql`), and the events they become once stored. */
export interface EventRows {
  readonly json: string;
  readonly count: number;
  /** The stored events, given the ids the insert returned (in any order). */
  stored(ids: readonly number[]): AnyHoldfastEvent[];
}

/** Groups events into rows (consecutive events of one job share one); at most 500 rows fit a NOTIFY. */
export function eventRows(events: readonly AnyNewEvent[] | EventRowDoc[]): EventRows {
  const rows = isRows(events) ? events : toRows(events);
  return {
    json: JSON.stringify(rows),
    count: rows.length,
    stored(ids) {
      if (ids.length !== rows.length)
        throw new Error(`events: inserted ${ids.length} of ${rows.length} event rows`);
      // Identity values are drawn in insertion order: sorted ids give the input order back.
      const sorted = [...ids].sort((a, b) => a - b);
      return rows.flatMap((row, index) =>
        eventsOfRow({
          id: sorted[index]!,
          job_id: row.job_id,
          seq: row.seq,
          tenant: row.tenant,
          at: new Date(row.at),
          types: row.types,
          payloads: row.payloads,
        }),
      );
    },
  };
}

function isRows(events: readonly AnyNewEvent[] | EventRowDoc[]): events is EventRowDoc[] {
  return events.length > 0 && 'types' in events[0]!;
}

/** Inserts the rows of `eventRows(…).json` given in parameter `param`; returns their ids. */
export function rowsInsertSql(param: string): string {
  return `insert into holdfast.events (job_id, seq, tenant, at, types, payloads)
  select job_id, seq, tenant, at, types, payloads
    from json_to_recordset(${param}::json) as x(job_id uuid, seq int, tenant text, at timestamptz, types text[], payloads jsonb)
  returning id`;
}

export interface EventRowDoc {
  job_id: string | null;
  seq: number | null;
  tenant: string | null;
  at: string;
  types: string[];
  payloads: unknown[];
}

/** Groups consecutive events of one job (contiguous seqs, same moment) into rows. */
function toRows(events: readonly AnyNewEvent[]): EventRowDoc[] {
  const rows: EventRowDoc[] = [];
  let last: EventRowDoc | undefined;
  for (const e of events) {
    const at = new Date(e.at).toISOString();
    const joins =
      last !== undefined &&
      e.jobId !== null &&
      last.job_id === e.jobId &&
      last.at === at &&
      last.seq !== null &&
      e.seq === last.seq + last.types.length &&
      last.types.length < eventsPerRow;
    if (joins) {
      last!.types.push(e.type);
      last!.payloads.push(e.payload);
      continue;
    }
    last = { job_id: e.jobId, seq: e.seq, tenant: e.tenant, at, types: [e.type], payloads: [e.payload] };
    rows.push(last);
  }
  return rows;
}

/** NOTIFY payloads are limited to 8000 bytes: they carry at most 500 row ids. */
export const maxRowsPerStatement = 500;

/**
 * The INSERT of a composed statement: event rows given as a JSON array (`job_id`, `epoch`, `seq`
 * of the first event, `types`, `payloads`) in parameter `param`, stamped `at`, kept only for the
 * attempts in the CTE `fence` (`id`, `lease_epoch`, `tenant`: those whose commit passed its lease
 * check). Returns `id, job_id, seq`.
 */
export function eventsInsertSql(param: string, at: string, fence: string): string {
  return `insert into holdfast.events (job_id, seq, tenant, at, types, payloads)
  select x.job_id, x.seq, f.tenant, ${at}, x.types, x.payloads
    from json_to_recordset(${param}::json) as x(job_id uuid, epoch int, seq int, types text[], payloads jsonb)
    join ${fence} f on f.id = x.job_id and f.lease_epoch = x.epoch
  returning id, job_id, seq`;
}

/** The NOTIFY that tells other processes, on commit, which event rows of the CTE `from` to read. */
export function notifySql(channel: string, originParam: string, from: string): string {
  return `select pg_notify('${channel}', json_build_object('o', ${originParam}::text, 'rows', json_agg(id))::text) from ${from} having count(*) > 0`;
}

/**
 * A column that makes the statement run the NOTIFY of CTE `cte`. A CTE that only SELECTs runs
 * only if something reads it, and PostgreSQL drops a LEFT JOIN whose columns nobody reads — so
 * `left join (select count(*) from n) on true` never notified anyone. A scalar subquery in the
 * output runs once, with the first row; a statement that stores events always returns rows.
 */
export function notifiedColumn(cte: string): string {
  return `(select count(*) from ${cte}) as notified`;
}

/** Seq numbers for `count` new events of a job whose last committed event is `lastSeq`. */
export function nextSeqs(lastSeq: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => lastSeq + 1 + i);
}

const selectRows = 'select id, job_id, seq, tenant, at, types, payloads from holdfast.events';

/** The events of the given rows (what a NOTIFY names), in commit order. */
export async function readEventRows(sql: Sql, rowIds: readonly number[]): Promise<AnyHoldfastEvent[]> {
  if (rowIds.length === 0) return [];
  const { rows } = await sql.query<EventRow>(`${selectRows} where id = any($1::int8[]) order by id`, [
    rowIds,
  ]);
  return rows.flatMap(eventsOfRow);
}

/** The events with these ids. */
export async function readEventsById(sql: Sql, ids: readonly number[]): Promise<AnyHoldfastEvent[]> {
  const wanted = new Set(ids);
  const rowIds = [...new Set(ids.map((id) => Math.floor(id / eventsPerRow)))];
  return (await readEventRows(sql, rowIds)).filter((e) => wanted.has(e.id));
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
    const afterSeq = options.afterSeq ?? 0;
    // A row whose last event is after `afterSeq`; at most `limit` rows hold `limit` events.
    const { rows } = await sql.query<EventRow>(
      `${selectRows} where job_id = $1 and seq + cardinality(types) - 1 > $2 order by seq limit $3`,
      [options.jobId, afterSeq, limit],
    );
    return rows
      .flatMap(eventsOfRow)
      .filter((e) => e.seq! > afterSeq)
      .slice(0, limit);
  }
  const afterId = options.afterId ?? 0;
  // One more row than asked for: the first may hold only events already seen.
  const { rows } = await sql.query<EventRow>(`${selectRows} where id >= $1 order by id limit $2`, [
    Math.floor(afterId / eventsPerRow),
    limit + 1,
  ]);
  return rows
    .flatMap(eventsOfRow)
    .filter((e) => e.id > afterId)
    .slice(0, limit);
}
