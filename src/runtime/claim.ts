import type { EventBus } from '../events/event-bus.js';
import { eventFromRow, eventsChannel } from '../events/event-log.js';
import type { AnyHoldfastEvent } from '../events/event-map.js';
import type { Store } from '../store/store.js';
import type { ClaimedJob } from './attempt.js';
import type { JobRow, StepRow } from './job.js';

export interface ClaimRequest {
  readonly store: Store;
  readonly bus: EventBus;
  readonly origin: string;
  readonly workerId: string;
  readonly pipelines: readonly string[];
  readonly limit: number;
  readonly now: number;
  readonly leaseMs: number;
}

/**
 * Claims up to `limit` due jobs in one statement: locks them with FOR UPDATE SKIP LOCKED (so
 * concurrent workers never take the same job and never wait on each other), marks them running
 * under a new lease epoch, and appends their `job:started` events — all in one transaction.
 * With `takeover`, claims running jobs whose lease expired instead (their worker died).
 */
export async function claimJobs(request: ClaimRequest, takeover = false): Promise<ClaimedJob[]> {
  if (request.limit <= 0 || request.pipelines.length === 0) return [];
  const { store, now, leaseMs } = request;
  const due = takeover
    ? `state = 'running' and lease_expires_at < $1 and pipeline = any($2::text[])
       order by lease_expires_at`
    : `state in ('queued', 'waiting') and run_at <= $1 and pipeline = any($2::text[])
       order by run_at, id`;
  const nowIso = new Date(now).toISOString();
  const sql = `
    with due as (
      select id, started_at is not null as resumed, lease_owner as previous_owner
        from holdfast.jobs
       where ${due}
       limit $3
       for update skip locked
    ), claimed as (
      update holdfast.jobs j set
        state = 'running',
        attempt = greatest(j.attempt, 1),
        lease_epoch = j.lease_epoch + 1,
        lease_owner = $4,
        lease_expires_at = $1::timestamptz + make_interval(secs => $5::float8 / 1000),
        started_at = coalesce(j.started_at, $1),
        deadline_at = coalesce(j.deadline_at, $1::timestamptz + make_interval(secs => j.timeout_ms::float8 / 1000)),
        takeovers = j.takeovers + $6::int,
        -- A job parked for budget keeps its reason: its hold is taken when the attempt starts.
        wait_reason = case when j.wait_reason = 'budget' then 'budget' else null end,
        event_seq = j.event_seq + 1,
        updated_at = $1
      from due where j.id = due.id
      returning j.*, due.resumed
    ), started as (
      insert into holdfast.events (job_id, seq, type, tenant, payload, at)
      select id, event_seq, 'job:started', tenant,
             jsonb_build_object('pipeline', pipeline, 'attempt', attempt, 'workerId', $4::text,
                                'resumed', resumed, 'takeover', $6::int = 1),
             $1
        from claimed
      returning id, type, job_id, seq, tenant, at, payload
    )${
      store.shared
        ? `, notified as (
      select pg_notify('${eventsChannel}', json_build_object('o', $7::text, 'ids', json_agg(id))::text) from started
    )`
        : ''
    }
    select c.*, row_to_json(s.*) as started_event${
      // Read from the select list, so that PostgreSQL runs it (a CTE only left-joined on true is skipped).
      store.shared ? ', (select count(*) from notified) as notified' : ''
    }
      from claimed c join started s on s.job_id = c.id`;
  const params = [nowIso, request.pipelines, request.limit, request.workerId, leaseMs, takeover ? 1 : 0];
  if (store.shared) params.push(request.origin);
  // One statement: claim, events and the NOTIFY commit together, in one round trip.
  const { rows } = await store.query<JobRow & { resumed: boolean; started_event: EventJson }>(sql, params, {
    prepare: `holdfast_claim_${takeover ? 'takeover' : 'due'}${store.shared ? '_notify' : ''}`,
  });
  if (rows.length === 0) return [];

  // Jobs that never started have no steps: skip the query for them.
  const resumed = rows.filter((r) => r.resumed).map((r) => r.id);
  const steps = resumed.length > 0 ? await loadSteps(store, resumed) : new Map<string, StepRow[]>();
  request.bus.publish(rows.map((r) => startedEvent(r.started_event)));
  return rows.map(({ resumed: _resumed, started_event: _event, ...row }) => ({
    row: row as JobRow,
    steps: steps.get(row.id) ?? [],
    takeover,
  }));
}

interface EventJson {
  id: number;
  type: string;
  job_id: string;
  seq: number;
  tenant: string | null;
  at: string;
  payload: unknown;
}

function startedEvent(json: EventJson): AnyHoldfastEvent {
  return eventFromRow({ ...json, at: new Date(json.at) });
}

async function loadSteps(store: Store, jobIds: readonly string[]): Promise<Map<string, StepRow[]>> {
  const { rows } = await store.query<StepRow>('select * from holdfast.steps where job_id = any($1::uuid[])', [
    jobIds,
  ]);
  const byJob = new Map<string, StepRow[]>();
  for (const row of rows) {
    const list = byJob.get(row.job_id) ?? [];
    list.push(row);
    byJob.set(row.job_id, list);
  }
  return byJob;
}

/** When the next queued or waiting job of these pipelines falls due, if any. */
export async function nextDueAt(store: Store, pipelines: readonly string[]): Promise<number | undefined> {
  const { rows } = await store.query<{ at: Date | null }>(
    `select min(run_at) as at from holdfast.jobs where state in ('queued', 'waiting') and pipeline = any($1::text[])`,
    [pipelines],
  );
  return rows[0]?.at?.getTime();
}
