import { type JobState, jobStates } from '../../runtime/job.js';
import type { Sql } from '../../store/store.js';

export interface ActiveJobCount {
  readonly pipeline: string;
  readonly state: 'queued' | 'waiting' | 'running';
  readonly count: number;
}

/**
 * Jobs not finished yet, per pipeline and state. Only these three states are counted: the
 * runtime's partial indexes cover them, so the count stays cheap however many finished jobs the
 * table holds (finished jobs are counted as they finish, by the metrics' counters).
 */
export async function activeJobCounts(sql: Sql): Promise<ActiveJobCount[]> {
  const { rows } = await sql.query<{ pipeline: string; state: ActiveJobCount['state']; n: number }>(
    `select pipeline, state, count(*)::int as n from holdfast.jobs
      where state in ('queued', 'waiting', 'running') group by pipeline, state order by pipeline, state`,
  );
  return rows.map((r) => ({ pipeline: r.pipeline, state: r.state, count: r.n }));
}

/** Jobs waiting for a worker now: queued or waiting, and due. */
export async function queueDepth(sql: Sql, now: number): Promise<{ due: number; scheduled: number }> {
  const { rows } = await sql.query<{ due: number; scheduled: number }>(
    `select count(*) filter (where run_at <= $1)::int as due, count(*) filter (where run_at > $1)::int as scheduled
       from holdfast.jobs where state in ('queued', 'waiting')`,
    [new Date(now).toISOString()],
  );
  return { due: rows[0]?.due ?? 0, scheduled: rows[0]?.scheduled ?? 0 };
}

/** How many jobs are in each state, among those a filter selects. */
export async function jobCountsByState(
  sql: Sql,
  filter: { pipeline?: string | undefined; tenant?: string | undefined; since?: string | undefined },
): Promise<Record<JobState, number>> {
  const { rows } = await sql.query<{ state: JobState; n: number }>(
    `select state, count(*)::int as n from holdfast.jobs
      where ($1::text is null or pipeline = $1)
        and ($2::text is null or tenant = $2)
        and ($3::timestamptz is null or created_at >= $3)
      group by state`,
    [filter.pipeline ?? null, filter.tenant ?? null, filter.since ?? null],
  );
  const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}
