import { eventsChannel, eventsPerRow, notifiedColumn, notifySql } from '../../events/event-log.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { Store } from '../../store/store.js';

/** The columns of a claimed job that its attempt uses, and nothing else. */
export interface ClaimedRow {
  readonly id: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly input: unknown;
  readonly attempt: number;
  readonly max_attempts: number;
  readonly retry_delay_ms: number | null;
  readonly timeout_ms: number | null;
  readonly deadline_at: Date | null;
  readonly started_at: Date | null;
  readonly lease_epoch: number;
  readonly cancel_requested: boolean;
  readonly cancel_reason: string | null;
  readonly event_seq: number;
  readonly wait_reason: string | null;
  readonly estimate: Record<string, number> | null;
}

/** A step that already succeeded in an earlier attempt: its stored result is returned, never re-run. */
export interface Checkpoint {
  readonly name: string;
  readonly output: unknown;
  readonly compensated: boolean;
}

export interface ClaimedJob {
  readonly row: ClaimedRow;
  readonly steps: readonly Checkpoint[];
  readonly takeover: boolean;
  /** Its `job:started` event, committed with the claim. */
  readonly started: AnyHoldfastEvent;
}

export interface ClaimRequest {
  readonly store: Store;
  readonly origin: string;
  readonly workerId: string;
  readonly pipelines: readonly string[];
  readonly limit: number;
  readonly now: number;
  readonly leaseMs: number;
}

/**
 * claim: takes up to `limit` due jobs in one statement — locked with FOR UPDATE SKIP LOCKED (so
 * workers never take the same job nor wait on each other), running under a new lease epoch, with
 * their `job:started` events and the NOTIFY telling other processes — one commit for them all.
 */
export function claim(request: ClaimRequest): Promise<ClaimedJob[]> {
  return claimFrom('holdfast.due_jobs', request, false);
}

/**
 * takeover: the same for running jobs whose lease expired (their worker died). They resume from
 * their last checkpoint (G5); the dead attempt's late commits are refused by the new epoch.
 */
export function takeover(request: ClaimRequest): Promise<ClaimedJob[]> {
  return claimFrom('holdfast.expired_jobs', request, true);
}

type Row = ClaimedRow & { resumed: boolean; event_id: number; notified?: number };

async function claimFrom(source: string, request: ClaimRequest, isTakeover: boolean): Promise<ClaimedJob[]> {
  if (request.limit <= 0 || request.pipelines.length === 0) return [];
  const { store, now, leaseMs, workerId } = request;
  const params: unknown[] = [
    new Date(now).toISOString(),
    request.pipelines,
    request.limit,
    workerId,
    leaseMs,
    isTakeover ? 1 : 0,
  ];
  if (store.shared) params.push(request.origin);
  const { rows } = await store.query<Row>(claimSql(source, store.shared), params, {
    prepare: `holdfast_${isTakeover ? 'takeover' : 'claim'}${store.shared ? '_n' : ''}`,
  });
  if (rows.length === 0) return [];
  // Jobs that never started have no checkpoints: no query for them.
  const resumed = rows.filter((r) => r.resumed).map((r) => r.id);
  const steps = resumed.length > 0 ? await checkpoints(store, resumed) : new Map<string, Checkpoint[]>();
  const at = new Date(now).toISOString();
  return rows.map(({ resumed: wasResumed, event_id, notified: _notified, ...row }) => ({
    row,
    steps: steps.get(row.id) ?? [],
    takeover: isTakeover,
    started: {
      id: event_id * eventsPerRow,
      type: 'job:started',
      jobId: row.id,
      seq: row.event_seq,
      tenant: row.tenant,
      at,
      payload: {
        pipeline: row.pipeline,
        attempt: row.attempt,
        workerId,
        resumed: wasResumed,
        takeover: isTakeover,
      },
    },
  }));
}

function claimSql(source: string, notify: boolean): string {
  return `
with due as (select job_id, resumed from ${source}($1::timestamptz, $2::text[], $3::int)),
claimed as (
  update holdfast.jobs j set
    state = 'running',
    attempt = greatest(j.attempt, 1),
    lease_epoch = j.lease_epoch + 1,
    lease_owner = $4::text,
    lease_expires_at = $1::timestamptz + make_interval(secs => $5::float8 / 1000),
    started_at = coalesce(j.started_at, $1::timestamptz),
    deadline_at = coalesce(j.deadline_at, $1::timestamptz + make_interval(secs => j.timeout_ms::float8 / 1000)),
    takeovers = j.takeovers + $6::int,
    -- A job parked for budget keeps its reason: its hold is taken when the attempt starts.
    wait_reason = case when j.wait_reason = 'budget' then 'budget' end,
    -- The one seq numbered in SQL: job:started, written here with the claim. Every other event
    -- is numbered by nextSeqs (events/event-log.ts) from the event_seq this returns.
    event_seq = j.event_seq + 1,
    updated_at = $1::timestamptz
  from due where j.id = due.job_id
  returning j.id, j.pipeline, j.tenant, j.input, j.attempt, j.max_attempts, j.retry_delay_ms, j.timeout_ms,
            j.deadline_at, j.started_at, j.lease_epoch, j.cancel_requested, j.cancel_reason, j.event_seq,
            j.wait_reason, j.estimate, due.resumed
),
ev as (
  insert into holdfast.events (job_id, seq, tenant, at, types, payloads)
  select c.id, c.event_seq, c.tenant, $1::timestamptz, array['job:started'],
         jsonb_build_array(jsonb_build_object('pipeline', c.pipeline, 'attempt', c.attempt, 'workerId', $4::text,
                                              'resumed', c.resumed, 'takeover', $6::int = 1))
    from claimed c
  returning id, job_id
)${notify ? `,\nn as (${notifySql(eventsChannel, '$7', 'ev')})` : ''}
select c.*, ev.id as event_id${notify ? `, ${notifiedColumn('n')}` : ''} from claimed c join ev on ev.job_id = c.id`;
}

async function checkpoints(store: Store, jobIds: readonly string[]): Promise<Map<string, Checkpoint[]>> {
  const { rows } = await store.query<{ job_id: string; name: string; output: unknown; compensated: boolean }>(
    `select job_id, name, output, compensated_at is not null as compensated
       from holdfast.steps where job_id = any($1::uuid[]) and state = 'succeeded'`,
    [jobIds],
  );
  const byJob = new Map<string, Checkpoint[]>();
  for (const { job_id, ...checkpoint } of rows) {
    const list = byJob.get(job_id) ?? [];
    list.push(checkpoint);
    byJob.set(job_id, list);
  }
  return byJob;
}

/** When the next queued or waiting job of these pipelines falls due, if any. */
export async function nextDueAt(store: Store, pipelines: readonly string[]): Promise<number | undefined> {
  // Ordered and limited, like the claim: it walks the due index from its start and stops there.
  const { rows } = await store.query<{ at: Date | null }>(
    `select run_at as at from holdfast.jobs where state in ('queued', 'waiting') and pipeline = any($1::text[])
      order by run_at limit 1`,
    [pipelines],
    { prepare: 'holdfast_next_due' },
  );
  return rows[0]?.at?.getTime();
}
