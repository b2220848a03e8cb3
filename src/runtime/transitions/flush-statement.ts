import {
  eventsInsertSql,
  eventsPerRow,
  nextSeqs,
  notifiedColumn,
  notifySql,
} from '../../events/event-log.js';
import type { JobCommit, StepWrite } from './job-commit.js';

/**
 * One group commit as one statement. Each job of the batch is in exactly one of the three row
 * updates (still running, ended, handed back), each fenced: a row is updated only if its job is
 * still running under the lease epoch the attempt presents. Step rows, undo marks and events join
 * on the rows those updates return, so an abandoned attempt writes nothing (G1, G5).
 *
 * Only the parts a batch needs are in its statement; each combination is prepared once per
 * connection under its own name.
 */
export interface FlushStatement {
  readonly text: string;
  readonly params: unknown[];
  readonly name: string;
  /** The seq of each job's events, in order (what its timeline holds once this commits). */
  readonly seqs: ReadonlyMap<JobCommit, readonly number[]>;
}

interface Part {
  readonly bit: number;
  readonly sql: (p: number) => string;
}

const fence = `where j.id = x.id and j.lease_epoch = x.epoch and j.state = 'running'
  returning j.id, j.lease_epoch, j.tenant, j.cancel_requested`;
const common = `event_seq = x.seq, updated_at = $1::timestamptz, current_step = x.current_step, progress = x.progress`;
const commonColumns = `id uuid, epoch int, seq int, current_step text, progress jsonb`;

const running: Part = {
  bit: 1,
  sql: (p) => `r as (
  update holdfast.jobs j set ${common},
         lease_expires_at = case when x.renew then $${p - 1}::timestamptz else j.lease_expires_at end
    from json_to_recordset($${p}::json) as x(${commonColumns}, renew boolean)
  ${fence})`,
};
const ended: Part = {
  bit: 2,
  sql: (p) => `e as (
  update holdfast.jobs j set ${common}, state = x.state, output = x.output, error = x.error,
         finished_at = $1::timestamptz, wait_reason = null, lease_owner = null, lease_expires_at = null
    from json_to_recordset($${p}::json) as x(${commonColumns}, state text, output jsonb, error jsonb)
  ${fence})`,
};
const released: Part = {
  bit: 4,
  sql: (p) => `h as (
  update holdfast.jobs j set ${common}, state = x.state, run_at = x.run_at, attempt = x.attempt,
         wait_reason = x.wait_reason, retry_delay_ms = x.retry_delay_ms, error = x.error,
         lease_owner = null, lease_expires_at = null
    from json_to_recordset($${p}::json) as x(${commonColumns}, state text, run_at timestamptz, attempt int,
         wait_reason text, retry_delay_ms int, error jsonb)
  ${fence})`,
};
const stepsStarted: Part = {
  bit: 8,
  sql: (p) => `s1 as (
  insert into holdfast.steps (job_id, name, state, attempt, runs, has_compensation, started_at, output, error, progress, finished_at)
  select x.job_id, x.name, x.state, x.attempt, 1, x.has_compensation, $1::timestamptz, x.output, x.error, x.progress,
         case when x.finished then $1::timestamptz end
    from json_to_recordset($${p}::json) as x(job_id uuid, epoch int, name text, state text, attempt int, has_compensation boolean,
         output jsonb, error jsonb, progress jsonb, finished boolean)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
  on conflict (job_id, name) do update set
    state = excluded.state, attempt = excluded.attempt, runs = holdfast.steps.runs + 1,
    has_compensation = excluded.has_compensation, started_at = excluded.started_at, finished_at = excluded.finished_at,
    error = excluded.error, output = excluded.output, progress = excluded.progress, compensated_at = null)`,
};
const stepsFinished: Part = {
  bit: 16,
  sql: (p) => `s2 as (
  update holdfast.steps s set state = x.state, output = x.output, error = x.error,
         progress = coalesce(x.progress, s.progress), finished_at = $1::timestamptz
    from json_to_recordset($${p}::json) as x(job_id uuid, epoch int, name text, state text, output jsonb, error jsonb, progress jsonb)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
   where s.job_id = x.job_id and s.name = x.name)`,
};
const stepsCompensated: Part = {
  bit: 32,
  sql: (p) => `s3 as (
  update holdfast.steps s set compensated_at = $1::timestamptz
    from json_to_recordset($${p}::json) as x(job_id uuid, epoch int, name text)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
   where s.job_id = x.job_id and s.name = x.name)`,
};
const eventsPart: Part = {
  bit: 64,
  sql: (p) => `ev as (${eventsInsertSql(`$${p}`, '$1::timestamptz', 'alive')})`,
};

/** Builds the statement for folded job commits; events carry their seq already. */
export function flushStatement(
  commits: readonly JobCommit[],
  now: number,
  leaseMs: number,
  notify: { readonly channel: string; readonly origin: string } | undefined,
): FlushStatement {
  const rows: Record<'running' | 'ended' | 'released', object[]> = { running: [], ended: [], released: [] };
  const started: object[] = [];
  const finished: object[] = [];
  const undone: object[] = [];
  const events: object[] = [];
  const numbered = new Map<JobCommit, number[]>();
  for (const c of commits) {
    const seqs = nextSeqs(c.job.timeline.seq, c.events.length);
    const last = seqs.at(-1) ?? c.job.timeline.seq;
    numbered.set(c, seqs);
    const base = {
      id: c.job.id,
      epoch: c.job.epoch,
      seq: last,
      current_step: c.view.currentStep,
      progress: c.view.progress,
    };
    const row = c.row;
    switch (row.kind) {
      case 'running':
        rows.running.push({ ...base, renew: row.renewLease });
        break;
      case 'ended':
        rows.ended.push({ ...base, state: row.state, output: row.output, error: row.error });
        break;
      case 'released':
        rows.released.push({
          ...base,
          state: row.state,
          run_at: new Date(row.runAt).toISOString(),
          attempt: row.attempt,
          wait_reason: row.waitReason,
          retry_delay_ms: row.retryDelayMs,
          error: row.error,
        });
        break;
      default: {
        const never: never = row;
        throw new Error(`unknown row change ${JSON.stringify(never)}`);
      }
    }
    for (const step of c.steps.values())
      (step.started ? started : finished).push(stepDoc(c.job.id, c.job.epoch, step));
    for (const name of c.compensated) undone.push({ job_id: c.job.id, epoch: c.job.epoch, name });
    // One row for the commit's events of this job (more rows past eventsPerRow).
    for (let i = 0; i < c.events.length; i += eventsPerRow) {
      const part = c.events.slice(i, i + eventsPerRow);
      events.push({
        job_id: c.job.id,
        epoch: c.job.epoch,
        seq: seqs[i],
        types: part.map((e) => e.type),
        payloads: part.map((e) => e.payload),
      });
    }
  }

  const params: unknown[] = [new Date(now).toISOString()];
  // A heartbeat renews the lease: its new expiry comes just before the running documents.
  if (rows.running.length > 0) params.push(new Date(now + leaseMs).toISOString());
  const ctes: string[] = [];
  const alive: string[] = [];
  let mask = 0;
  const add = (part: Part, docs: object[], name?: string) => {
    if (docs.length === 0) return;
    params.push(JSON.stringify(docs));
    ctes.push(part.sql(params.length));
    mask |= part.bit;
    if (name) alive.push(`select id, lease_epoch, tenant, cancel_requested from ${name}`);
  };
  add(running, rows.running, 'r');
  add(ended, rows.ended, 'e');
  add(released, rows.released, 'h');
  ctes.push(`alive as (${alive.join(' union all ')})`);
  add(stepsStarted, started);
  add(stepsFinished, finished);
  add(stepsCompensated, undone);
  add(eventsPart, events);
  const withEvents = events.length > 0;
  if (withEvents && notify) {
    params.push(notify.origin);
    ctes.push(`n as (${notifySql(notify.channel, `$${params.length}`, 'ev')})`);
  }
  const select = [
    `select 'j' as k, a.id::text as job_id, a.lease_epoch as epoch, a.cancel_requested, null::int8 as event_id, null::int as seq from alive a`,
    ...(withEvents ? [`select 'e', ev.job_id::text, null, null, ev.id, ev.seq from ev`] : []),
  ].join(' union all ');
  const text = `with ${ctes.join(',\n')}\nselect o.*${withEvents && notify ? `, ${notifiedColumn('n')}` : ''} from (${select}) as o`;
  return { text, params, name: `holdfast_flush_${mask}${withEvents && notify ? '_n' : ''}`, seqs: numbered };
}

function stepDoc(jobId: string, epoch: number, s: StepWrite) {
  return {
    job_id: jobId,
    epoch,
    name: s.name,
    state: s.state,
    attempt: s.attempt,
    has_compensation: s.hasCompensation,
    output: s.output,
    error: s.error,
    progress: s.progress,
    finished: s.finished,
  };
}

/** What the statement returns: the jobs still held (fence passed), then the events' ids. */
export interface FlushRow {
  readonly k: 'j' | 'e';
  readonly job_id: string;
  readonly epoch: number | null;
  readonly cancel_requested: boolean | null;
  readonly event_id: number | null;
  readonly seq: number | null;
}
