import {
  type HoldfastError,
  type HoldfastErrorJSON,
  holdfastError,
  toHoldfastError,
} from '../errors/holdfast-error.js';
import type { EventBus } from '../events/event-bus.js';
import { eventsChannel } from '../events/event-log.js';
import type { AnyHoldfastEvent, EventType, HoldfastEventMap, ProgressPayload } from '../events/event-map.js';
import { sqlState } from '../store/database-error.js';
import type { Sql, Store, TxSql } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { JobState } from './job.js';
import type { StagedWrite } from './pipeline.js';

/** The attempt an operation belongs to: its job, and the lease epoch it claimed the job with. */
export interface JobRef {
  readonly id: string;
  readonly epoch: number;
  readonly tenant: string | null;
}

export type OpEvent = {
  [T in EventType]: { readonly type: T; readonly payload: HoldfastEventMap[T] };
}[EventType];

/** Columns of the job row an operation sets; absent keys stay as they are. */
export interface JobUpdate {
  readonly state?: JobState;
  readonly output?: unknown;
  readonly error?: HoldfastErrorJSON | null;
  readonly progress?: ProgressPayload | null;
  readonly current_step?: string | null;
  readonly run_at?: number;
  readonly attempt?: number;
  readonly wait_reason?: string | null;
  readonly retry_delay_ms?: number | null;
  readonly finished_at?: number | null;
  readonly lease_expires_at?: number;
  /** Gives the lease up (the job leaves the running state). */
  readonly release?: true;
}

export interface OpContent {
  readonly events?: readonly OpEvent[];
  readonly stepStart?: { readonly name: string; readonly attempt: number; readonly hasCompensation: boolean };
  readonly stepFinish?: {
    readonly name: string;
    readonly state: 'succeeded' | 'failed';
    readonly output?: unknown;
    readonly error?: HoldfastErrorJSON | null;
    readonly progress?: ProgressPayload | null;
  };
  readonly stepProgress?: { readonly name: string; readonly progress: ProgressPayload };
  readonly stepCompensated?: { readonly name: string };
  readonly jobUpdate?: JobUpdate;
}

export interface BatchOp extends OpContent {
  readonly job: JobRef;
  /** Staged user writes, run in a savepoint before the rest of the operation. */
  readonly writes?: readonly StagedWrite[];
  /** What the operation becomes if the staged writes fail (they are rolled back). */
  readonly onWritesFailed?: (error: HoldfastError) => OpContent;
}

export interface OpResult {
  /** Set when the staged writes failed and the operation's fallback was committed instead. */
  readonly writesError?: HoldfastError;
  /** The job was asked to stop (seen under the row lock). */
  readonly cancelRequested: boolean;
}

interface Pending {
  readonly op: BatchOp;
  readonly resolve: (result: OpResult) => void;
  readonly reject: (error: unknown) => void;
}

interface LockedJob {
  id: string;
  lease_epoch: number;
  state: JobState;
}

export interface CommitBatcherOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly origin: string;
  readonly batchSize: number;
  /**
   * Transactions in flight at once. A job's operations always go to the same lane, so they are
   * committed in order; lanes hold disjoint jobs, so they never wait on each other's locks.
   */
  readonly lanes: number;
}

const maxFlushRetries = 3;

/**
 * Group commit for running jobs. Steps starting, checkpoints (with their staged writes), progress,
 * heartbeats and job outcomes are queued here and committed many per transaction, in the order
 * they were queued — so one job's changes land in order, and a busy worker pays one transaction
 * for dozens of jobs instead of one each.
 *
 * Every operation is fenced: under a row lock, its job must still be running under the lease
 * epoch the operation presents. An attempt that was abandoned (timed out, cancelled, taken over
 * after its lease expired) is refused with LEASE_LOST and writes nothing (G1, G5).
 */
export class CommitBatcher {
  readonly #options: CommitBatcherOptions;
  readonly #lanes: Lane[];

  constructor(options: CommitBatcherOptions) {
    this.#options = options;
    this.#lanes = Array.from({ length: Math.max(1, options.lanes) }, () => new Lane(this.#flushWithRetry));
  }

  /** Queues an operation; resolves once it is committed, rejects if it was fenced or failed. */
  submit(op: BatchOp): Promise<OpResult> {
    return new Promise<OpResult>((resolve, reject) => {
      this.#lanes[laneOf(op.job.id, this.#lanes.length)]!.push(
        { op, resolve, reject },
        this.#options.batchSize,
      );
    });
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async drain(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.drain()));
  }

  readonly #flushWithRetry = async (batch: Pending[]): Promise<void> => {
    const { store, bus } = this.#options;
    const withWrites = batch.some(({ op }) => op.writes && op.writes.length > 0);
    for (let attempt = 1; ; attempt++) {
      try {
        // Without staged writes the whole batch is one statement, committed on its own.
        const { results, events } = withWrites
          ? await store.transaction((tx) => this.#flush(tx, batch, true))
          : await this.#flush(store, batch, false);
        bus.publish(events);
        batch.forEach((pending, i) => {
          const result = results[i]!;
          if (result instanceof Error) pending.reject(result);
          else pending.resolve(result);
        });
        return;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        const transient = code === sqlState.deadlockDetected || code === sqlState.serializationFailure;
        if (transient && attempt < maxFlushRetries) continue;
        for (const pending of batch) pending.reject(error);
        return;
      }
    }
  };

  async #flush(sql: Sql | TxSql, batch: readonly Pending[], withWrites: boolean) {
    const { clock, origin, store } = this.#options;
    const now = clock.now();
    const at = new Date(now).toISOString();
    const results: Array<OpResult | Error | undefined> = batch.map(() => undefined);
    const contents: Array<OpContent | undefined> = batch.map(({ op }) => op);

    // Staged user writes need the rows locked and the fence checked before they run.
    if (withWrites) {
      const tx = sql as TxSql;
      const ids = [...new Set(batch.map((p) => p.op.job.id))].sort();
      const { rows } = await tx.query<LockedJob>(
        `select id, lease_epoch, state from holdfast.jobs where id = any($1::uuid[]) order by id for update`,
        [ids],
      );
      const locked = new Map(rows.map((r) => [r.id, r]));
      for (const [i, { op }] of batch.entries()) {
        const row = locked.get(op.job.id);
        if (row === undefined || row.state !== 'running' || row.lease_epoch !== op.job.epoch) {
          results[i] = holdfastError('LEASE_LOST', { jobId: op.job.id });
          contents[i] = undefined;
          continue;
        }
        if (!op.writes || op.writes.length === 0) continue;
        try {
          await tx.savepoint(async (sp) => {
            for (const write of op.writes!) await write(sp);
          });
        } catch (error) {
          const writesError = toHoldfastError(error, { jobId: op.job.id, step: op.stepFinish?.name });
          contents[i] = op.onWritesFailed?.(writesError) ?? {};
          results[i] = { cancelRequested: false, writesError };
        }
      }
    }

    // One document per (job, epoch): its merged column updates and how many events it appends.
    const docs = new Map<string, Record<string, unknown> & { id: string; epoch: number; n: number }>();
    const events: Array<NewEventDoc> = [];
    const stepRows = new Map<string, StepRowDoc>();
    const finishes = new Map<string, object>();
    const progress = new Map<string, object>();
    const compensated: object[] = [];
    batch.forEach(({ op }, i) => {
      const content = contents[i];
      if (content === undefined) return;
      const { id: jobId, epoch } = op.job;
      const key = `${jobId}/${epoch}`;
      const doc = docs.get(key) ?? { id: jobId, epoch, n: 0, now: at };
      for (const event of content.events ?? []) {
        doc.n += 1;
        events.push({
          job_id: jobId,
          epoch,
          idx: doc.n,
          type: event.type,
          tenant: op.job.tenant,
          payload: event.payload,
          at,
        });
      }
      if (content.jobUpdate) Object.assign(doc, jobRowUpdate(content.jobUpdate));
      docs.set(key, doc);
      const stepKey = (name: string) => `${jobId}/${name}`;
      if (content.stepStart) {
        const s = content.stepStart;
        stepRows.set(stepKey(s.name), {
          job_id: jobId,
          epoch,
          name: s.name,
          state: 'running',
          attempt: s.attempt,
          has_compensation: s.hasCompensation,
          started_at: at,
        });
      }
      if (content.stepProgress) {
        const s = content.stepProgress;
        const started = stepRows.get(stepKey(s.name));
        if (started) started.progress = s.progress;
        else progress.set(stepKey(s.name), { job_id: jobId, epoch, name: s.name, progress: s.progress });
      }
      if (content.stepFinish) {
        const s = content.stepFinish;
        const finish = {
          state: s.state,
          output: s.output ?? null,
          error: s.error ?? null,
          progress: s.progress ?? null,
          finished_at: at,
        };
        const started = stepRows.get(stepKey(s.name));
        // Started and finished within one batch: one row insert instead of insert + update.
        if (started) Object.assign(started, finish);
        else finishes.set(stepKey(s.name), { job_id: jobId, epoch, name: s.name, ...finish });
        progress.delete(stepKey(s.name));
      }
      if (content.stepCompensated)
        compensated.push({ job_id: jobId, epoch, name: content.stepCompensated.name, at });
    });

    const params: unknown[] = [
      JSON.stringify([...docs.values()]),
      JSON.stringify([...stepRows.values()]),
      JSON.stringify([...finishes.values()]),
      JSON.stringify([...progress.values()]),
      JSON.stringify(compensated),
      JSON.stringify(events),
    ];
    if (store.shared) params.push(origin);
    const { rows } = await sql.query<FlushRow>(store.shared ? flushSqlWithNotify : flushSql, params, {
      prepare: store.shared ? 'holdfast_flush_notify' : 'holdfast_flush',
    });

    const alive = new Map<string, FlushRow>();
    const eventIds = new Map<string, number>();
    for (const row of rows) {
      if (row.kind === 'job') alive.set(`${row.job_id}/${row.epoch}`, row);
      else eventIds.set(`${row.job_id}/${row.seq}`, row.event_id!);
    }
    batch.forEach(({ op }, i) => {
      const row = alive.get(`${op.job.id}/${op.job.epoch}`);
      if (contents[i] === undefined || row === undefined) {
        results[i] ??= holdfastError('LEASE_LOST', { jobId: op.job.id });
        return;
      }
      results[i] = { ...(results[i] as OpResult | undefined), cancelRequested: row.cancel_requested! };
    });
    const stored: AnyHoldfastEvent[] = [];
    for (const e of events) {
      const row = alive.get(`${e.job_id}/${e.epoch}`);
      if (row === undefined) continue;
      const seq = row.seq! - docs.get(`${e.job_id}/${e.epoch}`)!.n + e.idx;
      const id = eventIds.get(`${e.job_id}/${seq}`);
      if (id === undefined) throw new Error(`flush: event ${e.job_id}#${seq} was not stored`);
      stored.push({
        id,
        type: e.type,
        jobId: e.job_id,
        seq,
        tenant: e.tenant,
        at,
        payload: e.payload,
      } as AnyHoldfastEvent);
    }
    stored.sort((a, b) => a.id - b.id);
    return { results: results as Array<OpResult | Error>, events: stored };
  }
}

interface FlushRow {
  kind: 'job' | 'event';
  job_id: string;
  epoch: number | null;
  seq: number | null;
  cancel_requested: boolean | null;
  event_id: number | null;
}

interface NewEventDoc {
  job_id: string;
  epoch: number;
  /** Position among the events this batch appends for this (job, epoch), from 1. */
  idx: number;
  type: EventType;
  tenant: string | null;
  payload: unknown;
  at: string;
}

interface StepRowDoc {
  job_id: string;
  epoch: number;
  name: string;
  state: string;
  attempt: number;
  has_compensation: boolean;
  started_at: string;
  output?: unknown;
  error?: unknown;
  progress?: unknown;
  finished_at?: string;
}

/** A serial queue of operations for the jobs hashed to it: one transaction in flight at a time. */
class Lane {
  #queue: Pending[] = [];
  #flushing = false;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(private readonly flush: (batch: Pending[]) => Promise<void>) {}

  push(pending: Pending, batchSize: number): void {
    this.#queue.push(pending);
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    // One macrotask turn lets operations from jobs finishing together share the transaction.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#run(batchSize);
    });
  }

  drain(): Promise<void> {
    if (!this.#flushing && !this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #run(batchSize: number): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) await this.flush(this.#queue.splice(0, batchSize));
    } finally {
      this.#flushing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}

function laneOf(jobId: string, lanes: number): number {
  if (lanes === 1) return 0;
  // The random tail of a UUIDv7 spreads jobs evenly.
  return Number.parseInt(jobId.slice(-4), 16) % lanes;
}

function jobRowUpdate(update: JobUpdate): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) {
    if (value === undefined) continue;
    const isTime = key === 'run_at' || key === 'finished_at' || key === 'lease_expires_at';
    row[key] = isTime && value !== null ? new Date(value as number).toISOString() : value;
  }
  return row;
}

/**
 * A whole batch in one statement. The UPDATE of the job rows is the fence: a row is updated only
 * if its job is still running under the epoch the operations present, and everything else (step
 * rows, events) joins on the rows it returns — an abandoned attempt writes nothing. A key absent
 * from a job document keeps its column. Returns the live jobs and the ids of the stored events.
 */
function flushStatement(notify: boolean): string {
  return `
with d as (select doc from jsonb_array_elements($1::jsonb) as t(doc)),
alive as (
  update holdfast.jobs j set
    event_seq = j.event_seq + (d.doc->>'n')::int,
    updated_at = (d.doc->>'now')::timestamptz,
    state = coalesce(d.doc->>'state', j.state),
    output = case when d.doc ? 'output' then nullif(d.doc->'output', 'null'::jsonb) else j.output end,
    error = case when d.doc ? 'error' then nullif(d.doc->'error', 'null'::jsonb) else j.error end,
    progress = case when d.doc ? 'progress' then nullif(d.doc->'progress', 'null'::jsonb) else j.progress end,
    current_step = case when d.doc ? 'current_step' then d.doc->>'current_step' else j.current_step end,
    run_at = coalesce((d.doc->>'run_at')::timestamptz, j.run_at),
    attempt = coalesce((d.doc->>'attempt')::int, j.attempt),
    wait_reason = case when d.doc ? 'wait_reason' then d.doc->>'wait_reason' else j.wait_reason end,
    retry_delay_ms = case when d.doc ? 'retry_delay_ms' then (d.doc->>'retry_delay_ms')::int else j.retry_delay_ms end,
    finished_at = case when d.doc ? 'finished_at' then (d.doc->>'finished_at')::timestamptz else j.finished_at end,
    lease_expires_at = case when d.doc ? 'release' then null
                            else coalesce((d.doc->>'lease_expires_at')::timestamptz, j.lease_expires_at) end,
    lease_owner = case when d.doc ? 'release' then null else j.lease_owner end
  from d
  where j.id = (d.doc->>'id')::uuid and j.lease_epoch = (d.doc->>'epoch')::int and j.state = 'running'
  returning j.id, j.lease_epoch, j.event_seq, j.cancel_requested, j.tenant
),
started as (
  insert into holdfast.steps (job_id, name, state, attempt, runs, has_compensation, started_at, output, error, progress, finished_at)
  select x.job_id, x.name, x.state, x.attempt, 1, x.has_compensation, x.started_at, x.output, x.error, x.progress, x.finished_at
    from jsonb_to_recordset($2::jsonb) as x(job_id uuid, epoch int, name text, state text, attempt int, has_compensation boolean,
         started_at timestamptz, output jsonb, error jsonb, progress jsonb, finished_at timestamptz)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
  on conflict (job_id, name) do update set
    state = excluded.state, attempt = excluded.attempt, runs = holdfast.steps.runs + 1,
    has_compensation = excluded.has_compensation, started_at = excluded.started_at, finished_at = excluded.finished_at,
    error = excluded.error, output = excluded.output, progress = excluded.progress, compensated_at = null
),
finished as (
  update holdfast.steps s set state = x.state, output = x.output, error = x.error,
         progress = coalesce(x.progress, s.progress), finished_at = x.finished_at
    from jsonb_to_recordset($3::jsonb) as x(job_id uuid, epoch int, name text, state text, output jsonb, error jsonb,
         progress jsonb, finished_at timestamptz)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
   where s.job_id = x.job_id and s.name = x.name
),
progressed as (
  update holdfast.steps s set progress = x.progress
    from jsonb_to_recordset($4::jsonb) as x(job_id uuid, epoch int, name text, progress jsonb)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
   where s.job_id = x.job_id and s.name = x.name
),
compensated as (
  update holdfast.steps s set compensated_at = x.at
    from jsonb_to_recordset($5::jsonb) as x(job_id uuid, epoch int, name text, at timestamptz)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
   where s.job_id = x.job_id and s.name = x.name
),
ev as (
  insert into holdfast.events (job_id, seq, type, tenant, payload, at)
  select x.job_id, a.event_seq - (select (d.doc->>'n')::int from d
                                   where (d.doc->>'id')::uuid = a.id and (d.doc->>'epoch')::int = a.lease_epoch) + x.idx,
         x.type, x.tenant, x.payload, x.at
    from jsonb_to_recordset($6::jsonb) as x(job_id uuid, epoch int, idx int, type text, tenant text, payload jsonb, at timestamptz)
    join alive a on a.id = x.job_id and a.lease_epoch = x.epoch
  returning id, job_id, seq
)${
    // Read from the select list, so that PostgreSQL runs it (a CTE only left-joined on true is skipped).
    notify
      ? `,
notified as (
  select pg_notify('${eventsChannel}', json_build_object('o', $7::text, 'ids', json_agg(id))::text) from ev having count(*) > 0
)`
      : ''
  }
select r.*${notify ? ', (select count(*) from notified) as notified' : ''} from (
  select 'job' as kind, a.id::text as job_id, a.lease_epoch as epoch, a.event_seq as seq, a.cancel_requested,
         null::int8 as event_id
    from alive a
  union all
  select 'event', e.job_id::text, null, e.seq, null, e.id from ev e
) as r`;
}

const flushSql = flushStatement(false);
const flushSqlWithNotify = flushStatement(true);
