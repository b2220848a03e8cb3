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

  if (report.dryRun) {
    const count = async (sql: string, params: unknown[]) =>
      (await store.query<{ n: number }>(sql, params)).rows[0]?.n ?? 0;
    report.jobs = await count(
      `select count(*)::int as n from holdfast.jobs where finished_at < $1 and ${finished}`,
      [cutoff],
    );
    report.events =
      (await count(
        // A row holds the events of one job committed together: count the events, not the rows.
        `select coalesce(sum(cardinality(e.types)), 0)::int as n from holdfast.events e join holdfast.jobs j on j.id = e.job_id
          where j.finished_at < $1 and j.state in ('succeeded', 'failed', 'cancelled')`,
        [cutoff],
      )) +
      (await count(`select count(*)::int as n from holdfast.events where job_id is null and at < $1`, [
        cutoff,
      ]));
    report.steps = await count(
      `select count(*)::int as n from holdfast.steps s join holdfast.jobs j on j.id = s.job_id
        where j.finished_at < $1 and j.state = 'succeeded'`,
      [cutoff],
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

  // Finished jobs, oldest first, along the finished_at index; a page starts after the last one.
  let after: { at: string; id: string } = { at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const { rows } = await store.query<{ id: string; state: string; finished_at: Date }>(
      `select id, state, finished_at from holdfast.jobs
        where finished_at < $1 and (finished_at, id) > ($2::timestamptz, $3::uuid) and ${finished}
        order by finished_at, id limit $4`,
      [cutoff, after.at, after.id, batch],
    );
    if (rows.length === 0) break;
    after = { at: rows.at(-1)!.finished_at.toISOString(), id: rows.at(-1)!.id };
    const all = rows.map((r) => r.id);
    const succeeded = rows.filter((r) => r.state === 'succeeded').map((r) => r.id);
    const [events, steps] = await store.transaction(async (tx) => [
      (
        await tx.query<{ n: number }>(
          `with gone as (delete from holdfast.events where job_id = any($1::uuid[]) returning cardinality(types) as n)
           select coalesce(sum(n), 0)::int as n from gone`,
          [all],
        )
      ).rows[0]?.n ?? 0,
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
