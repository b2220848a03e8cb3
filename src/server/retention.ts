import type { Store } from '../store/store.js';

/**
 * Retention: what `holdfast cleanup` removes. This file holds all of its SQL — the only place
 * outside the event log that touches `holdfast.events` — so that a change of storage is one
 * file to follow.
 *
 * Removed, in short transactions of `batchSize` rows so that the hot tables are never locked
 * for long:
 * - the events of jobs finished before the cutoff, and events without a job (quota, provider)
 *   older than it;
 * - the steps of jobs that succeeded before the cutoff (failed and cancelled jobs keep theirs:
 *   they are the checkpoints a retry resumes from, so a retry still never pays twice);
 * - idempotency keys whose time is over;
 * - ledger journal rows and closed call reservations older than the cutoff.
 * Jobs themselves stay (state, input, output, error), and so do account totals and the daily
 * usage roll-up: they are kept in their own rows, which nothing here touches.
 */

export interface RetentionOptions {
  /** Remove what finished longer ago than this. */
  readonly olderThanMs: number;
  /** Count what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Rows per transaction (default 500). */
  readonly batchSize?: number;
  /** Pause between batches, so that other work gets the database (default 5 ms). */
  readonly pauseMs?: number;
  readonly now: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (report: RetentionReport) => void;
}

export interface RetentionReport {
  readonly cutoff: string;
  readonly dryRun: boolean;
  /** Finished jobs whose history was looked at. */
  readonly jobs: number;
  readonly events: number;
  readonly steps: number;
  readonly idempotencyKeys: number;
  readonly ledgerEntries: number;
  readonly callReservations: number;
}

const finished = `state in ('succeeded', 'failed', 'cancelled')`;

export async function applyRetention(store: Store, options: RetentionOptions): Promise<RetentionReport> {
  const cutoff = new Date(options.now - options.olderThanMs).toISOString();
  const now = new Date(options.now).toISOString();
  const batch = options.batchSize ?? 500;
  const pause = options.pauseMs ?? 5;
  const report = {
    cutoff,
    dryRun: options.dryRun ?? false,
    jobs: 0,
    events: 0,
    steps: 0,
    idempotencyKeys: 0,
    ledgerEntries: 0,
    callReservations: 0,
  };
  const progress = () => options.onProgress?.({ ...report });
  const rest = () =>
    new Promise<void>((resolve) => {
      options.signal?.throwIfAborted();
      setTimeout(resolve, pause);
    });

  // Job ids are UUIDv7: a job created before the cutoff has an id below this one, so old jobs
  // are walked along the primary key.
  const bound = idAt(options.now - options.olderThanMs);
  if (report.dryRun) {
    const count = async (sql: string, params: unknown[]) =>
      (await store.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    report.jobs = await count(
      `select count(*)::int as n from holdfast.jobs where id < $1 and ${finished} and finished_at < $2`,
      [bound, cutoff],
    );
    report.events =
      (await count(
        `select count(*)::int as n from holdfast.events e join holdfast.jobs j on j.id = e.job_id
          where j.id < $1 and j.state in ('succeeded', 'failed', 'cancelled') and j.finished_at < $2`,
        [bound, cutoff],
      )) +
      (await count(`select count(*)::int as n from holdfast.events where job_id is null and at < $1`, [
        cutoff,
      ]));
    report.steps = await count(
      `select count(*)::int as n from holdfast.steps s join holdfast.jobs j on j.id = s.job_id
        where j.id < $1 and j.state = 'succeeded' and j.finished_at < $2`,
      [bound, cutoff],
    );
    report.idempotencyKeys = await count(
      `select count(*)::int as n from holdfast.idempotency_keys where expires_at < $1`,
      [now],
    );
    report.ledgerEntries = await count(
      `select count(*)::int as n from holdfast.ledger_entries where at < $1`,
      [cutoff],
    );
    report.callReservations = await count(
      `select count(*)::int as n from holdfast.reservations where kind = 'call' and state <> 'held' and closed_at < $1`,
      [cutoff],
    );
    return report;
  }

  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await store.query<{ id: string; state: string }>(
      `select id, state from holdfast.jobs where id > $1 and id < $2 and ${finished} and finished_at < $3
        order by id limit $4`,
      [after, bound, cutoff, batch],
    );
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    const all = rows.map((r) => r.id);
    const succeeded = rows.filter((r) => r.state === 'succeeded').map((r) => r.id);
    const [events, steps] = await store.transaction(async (tx) => [
      (await tx.query('delete from holdfast.events where job_id = any($1::uuid[])', [all])).rowCount,
      (await tx.query('delete from holdfast.steps where job_id = any($1::uuid[])', [succeeded])).rowCount,
    ]);
    report.jobs += rows.length;
    report.events += events;
    report.steps += steps;
    progress();
    await rest();
  }

  const drain = async (
    sql: string,
    params: unknown[],
    field: 'events' | 'idempotencyKeys' | 'ledgerEntries' | 'callReservations',
  ) => {
    for (;;) {
      const { rowCount } = await store.query(sql, [...params, batch]);
      report[field] += rowCount;
      progress();
      if (rowCount < batch) return;
      await rest();
    }
  };
  await drain(
    `delete from holdfast.events where id in (
       select id from holdfast.events where job_id is null and at < $1 order by at limit $2)`,
    [cutoff],
    'events',
  );
  await drain(
    `delete from holdfast.idempotency_keys where (scope, key) in (
       select scope, key from holdfast.idempotency_keys where expires_at < $1 limit $2)`,
    [now],
    'idempotencyKeys',
  );
  await drain(
    `delete from holdfast.ledger_entries where id in (
       select id from holdfast.ledger_entries where at < $1 order by id limit $2)`,
    [cutoff],
    'ledgerEntries',
  );
  await drain(
    `delete from holdfast.reservations where id in (
       select id from holdfast.reservations where kind = 'call' and state <> 'held' and closed_at < $1 limit $2)`,
    [cutoff],
    'callReservations',
  );
  return report;
}

/** The smallest UUIDv7 of a millisecond. */
function idAt(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
