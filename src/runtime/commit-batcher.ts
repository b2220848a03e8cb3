import { type HoldfastError, type HoldfastErrorJSON, holdfastError, toHoldfastError } from '../errors/holdfast-error.js';
import type { EventBus } from '../events/event-bus.js';
import { appendEvents } from '../events/event-log.js';
import type { AnyNewEvent, EventType, HoldfastEventMap, ProgressPayload } from '../events/event-map.js';
import { sqlState } from '../store/database-error.js';
import type { Store, TxSql } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { JobState } from './job.js';
import type { StagedWrite } from './pipeline.js';

/** The attempt an operation belongs to: its job, and the lease epoch it claimed the job with. */
export interface JobRef {
  readonly id: string;
  readonly epoch: number;
  readonly tenant: string | null;
}

export type OpEvent = { [T in EventType]: { readonly type: T; readonly payload: HoldfastEventMap[T] } }[EventType];

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
  event_seq: number;
  cancel_requested: boolean;
}

export interface CommitBatcherOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly origin: string;
  readonly batchSize: number;
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
  #queue: Pending[] = [];
  #flushing = false;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(options: CommitBatcherOptions) {
    this.#options = options;
  }

  /** Queues an operation; resolves once it is committed, rejects if it was fenced or failed. */
  submit(op: BatchOp): Promise<OpResult> {
    return new Promise<OpResult>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once everything queued so far is committed (or failed). */
  drain(): Promise<void> {
    if (!this.#flushing && !this.#scheduled && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    // One macrotask turn lets operations from jobs finishing together share the transaction.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.batchSize);
        await this.#flushWithRetry(batch);
      }
    } finally {
      this.#flushing = false;
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #flushWithRetry(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { results, events } = await this.#options.store.transaction((tx) => this.#flush(tx, batch));
        this.#options.bus.publish(events);
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
  }

  async #flush(tx: TxSql, batch: readonly Pending[]) {
    const { clock, origin, store } = this.#options;
    const now = clock.now();
    const ids = [...new Set(batch.map((p) => p.op.job.id))].sort();
    const { rows } = await tx.query<LockedJob>(
      `select id, lease_epoch, state, event_seq, cancel_requested from holdfast.jobs
        where id = any($1::uuid[]) order by id for update`,
      [ids],
    );
    const locked = new Map(rows.map((r) => [r.id, r]));
    const results: Array<OpResult | Error> = [];
    const contents: Array<OpContent | undefined> = [];

    for (const { op } of batch) {
      const row = locked.get(op.job.id);
      if (row === undefined || row.state !== 'running' || row.lease_epoch !== op.job.epoch) {
        results.push(holdfastError('LEASE_LOST', { jobId: op.job.id }));
        contents.push(undefined);
        continue;
      }
      let content: OpContent = op;
      let writesError: HoldfastError | undefined;
      if (op.writes && op.writes.length > 0) {
        try {
          await tx.savepoint(async (sp) => {
            for (const write of op.writes!) await write(sp);
          });
        } catch (error) {
          writesError = toHoldfastError(error, { jobId: op.job.id, step: op.stepFinish?.name });
          content = op.onWritesFailed?.(writesError) ?? {};
        }
      }
      contents.push(content);
      results.push({ cancelRequested: row.cancel_requested, ...(writesError ? { writesError } : {}) });
    }

    // Sequence numbers continue each job's timeline without gaps, in queue order.
    const seqs = new Map(rows.map((r) => [r.id, r.event_seq]));
    const events: AnyNewEvent[] = [];
    const stepStarts = new Map<string, object>();
    const stepFinishes = new Map<string, object>();
    const stepProgress = new Map<string, object>();
    const compensated: object[] = [];
    const jobUpdates = new Map<string, Record<string, unknown>>();
    const at = new Date(now).toISOString();

    batch.forEach(({ op }, i) => {
      const content = contents[i];
      if (content === undefined) return;
      const jobId = op.job.id;
      for (const event of content.events ?? []) {
        const seq = (seqs.get(jobId) ?? 0) + 1;
        seqs.set(jobId, seq);
        events.push({ type: event.type, payload: event.payload, jobId, seq, tenant: op.job.tenant, at: now } as AnyNewEvent);
      }
      if (content.stepStart) {
        const s = content.stepStart;
        stepStarts.set(`${jobId}/${s.name}`, { job_id: jobId, name: s.name, attempt: s.attempt, has_compensation: s.hasCompensation, at });
      }
      if (content.stepProgress) {
        const s = content.stepProgress;
        stepProgress.set(`${jobId}/${s.name}`, { job_id: jobId, name: s.name, progress: s.progress });
      }
      if (content.stepFinish) {
        const s = content.stepFinish;
        stepFinishes.set(`${jobId}/${s.name}`, {
          job_id: jobId,
          name: s.name,
          state: s.state,
          output: s.output ?? null,
          error: s.error ?? null,
          progress: s.progress ?? null,
          at,
        });
        stepProgress.delete(`${jobId}/${s.name}`);
      }
      if (content.stepCompensated) compensated.push({ job_id: jobId, name: content.stepCompensated.name, at });
      const update = jobUpdates.get(jobId) ?? {};
      if (content.jobUpdate) Object.assign(update, jobRowUpdate(content.jobUpdate));
      jobUpdates.set(jobId, update);
    });

    if (stepStarts.size > 0) {
      await tx.query(
        `insert into holdfast.steps (job_id, name, state, attempt, runs, has_compensation, started_at)
         select x.job_id, x.name, 'running', x.attempt, 1, x.has_compensation, x.at
           from jsonb_to_recordset($1::jsonb) as x(job_id uuid, name text, attempt int, has_compensation boolean, at timestamptz)
         on conflict (job_id, name) do update set
           state = 'running', attempt = excluded.attempt, runs = holdfast.steps.runs + 1,
           has_compensation = excluded.has_compensation, started_at = excluded.started_at,
           finished_at = null, error = null, output = null, progress = null, compensated_at = null`,
        [JSON.stringify([...stepStarts.values()])],
      );
    }
    if (stepProgress.size > 0) {
      await tx.query(
        `update holdfast.steps s set progress = x.progress
           from jsonb_to_recordset($1::jsonb) as x(job_id uuid, name text, progress jsonb)
          where s.job_id = x.job_id and s.name = x.name`,
        [JSON.stringify([...stepProgress.values()])],
      );
    }
    if (stepFinishes.size > 0) {
      await tx.query(
        `update holdfast.steps s set state = x.state, output = x.output, error = x.error,
                progress = coalesce(x.progress, s.progress), finished_at = x.at
           from jsonb_to_recordset($1::jsonb)
                as x(job_id uuid, name text, state text, output jsonb, error jsonb, progress jsonb, at timestamptz)
          where s.job_id = x.job_id and s.name = x.name`,
        [JSON.stringify([...stepFinishes.values()])],
      );
    }
    if (compensated.length > 0) {
      await tx.query(
        `update holdfast.steps s set compensated_at = x.at
           from jsonb_to_recordset($1::jsonb) as x(job_id uuid, name text, at timestamptz)
          where s.job_id = x.job_id and s.name = x.name`,
        [JSON.stringify(compensated)],
      );
    }
    if (jobUpdates.size > 0) {
      const docs = [...jobUpdates].map(([id, update]) => ({ ...update, id, event_seq: seqs.get(id), now: at }));
      await tx.query(updateJobsSql, [JSON.stringify(docs)]);
    }
    const stored = await appendEvents(tx, events, store.shared ? { origin } : undefined);
    return { results, events: stored };
  }
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

/** One statement for all job rows touched by a batch; a key absent from a row's document keeps the column. */
const updateJobsSql = `
update holdfast.jobs j set
  event_seq = (d.doc->>'event_seq')::int,
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
from jsonb_array_elements($1::jsonb) as d(doc)
where j.id = (d.doc->>'id')::uuid`;
