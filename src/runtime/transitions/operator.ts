import { holdfastError } from '../../errors/holdfast-error.js';
import { appendEvents, nextSeqs } from '../../events/event-log.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { TxSql } from '../../store/store.js';
import { cancelChannel, jobsChannel } from '../channels.js';

/**
 * The transitions an operator makes (jobs.retry, jobs.cancel) on a job that no worker is running,
 * or that a worker must be told about. Each runs in the caller's transaction, on a row it locked.
 */
export interface LockedJob {
  readonly id: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly state: 'failed' | 'cancelled' | 'queued' | 'waiting' | 'running' | 'succeeded';
  readonly event_seq: number;
}

interface Context {
  readonly now: number;
  /** On PostgreSQL: the origin for NOTIFY (other processes learn of the change); undefined on PGlite. */
  readonly origin: string | undefined;
}

/**
 * retry (manual): a failed or cancelled job is queued again as its next attempt, with `attempts`
 * more to go; its succeeded steps stay checkpointed (steps whose effects were undone do not).
 */
export async function requeueFailed(
  tx: TxSql,
  job: LockedJob,
  attempts: number,
  { now, origin }: Context,
): Promise<AnyHoldfastEvent[]> {
  const [seq] = nextSeqs(job.event_seq, 1);
  const at = new Date(now).toISOString();
  await tx.query('delete from holdfast.steps where job_id = $1 and compensated_at is not null', [job.id]);
  await tx.query(
    `update holdfast.jobs set state = 'queued', run_at = $2, attempt = attempt + 1, max_attempts = attempt + $3,
            error = null, finished_at = null, deadline_at = null, wait_reason = null, retry_delay_ms = null,
            cancel_requested = false, cancel_reason = null, lease_owner = null, lease_expires_at = null,
            event_seq = $4, updated_at = $2
      where id = $1`,
    [job.id, at, attempts, seq],
  );
  const stored = await appendEvents(
    tx,
    [
      {
        type: 'job:queued',
        jobId: job.id,
        seq: seq!,
        tenant: job.tenant,
        at: now,
        payload: {
          pipeline: job.pipeline,
          runAt: at,
          retryOf: job.state === 'cancelled' ? 'cancelled' : 'failed',
        },
      },
    ],
    origin === undefined ? undefined : { origin },
  );
  if (origin !== undefined) await tx.query('select pg_notify($1, $2)', [jobsChannel, origin]);
  return stored;
}

/** cancel (running job): flags it; the worker running it aborts its step and ends it. */
export async function requestCancel(
  tx: TxSql,
  job: LockedJob,
  reason: string | undefined,
  { now, origin }: Context,
): Promise<void> {
  await tx.query(
    'update holdfast.jobs set cancel_requested = true, cancel_reason = $2, updated_at = $3 where id = $1',
    [job.id, reason ?? null, new Date(now).toISOString()],
  );
  if (origin !== undefined) await tx.query('select pg_notify($1, $2)', [cancelChannel, job.id]);
}

/**
 * cancel (queued or waiting job with undo hooks): due now and flagged, so that a worker claims it,
 * runs the undo hooks (they live in the pipeline's code) and ends it `cancelled`.
 */
export async function cancelThroughWorker(
  tx: TxSql,
  job: LockedJob,
  reason: string | undefined,
  { now, origin }: Context,
): Promise<void> {
  await tx.query(
    `update holdfast.jobs set cancel_requested = true, cancel_reason = $2, state = 'queued', run_at = $3,
            updated_at = $3 where id = $1`,
    [job.id, reason ?? null, new Date(now).toISOString()],
  );
  if (origin !== undefined) await tx.query('select pg_notify($1, $2)', [jobsChannel, origin]);
}

/** cancel (queued or waiting job, nothing to undo): cancelled at once. */
export async function cancelNow(
  tx: TxSql,
  job: LockedJob,
  reason: string | undefined,
  { now, origin }: Context,
): Promise<AnyHoldfastEvent[]> {
  const error = holdfastError('CANCELLED', { jobId: job.id, reason }).serialize();
  const [seq] = nextSeqs(job.event_seq, 1);
  const at = new Date(now).toISOString();
  await tx.query(
    `update holdfast.jobs set state = 'cancelled', error = $2, finished_at = $3, updated_at = $3,
            cancel_reason = $4, event_seq = $5
      where id = $1`,
    [job.id, JSON.stringify(error), at, reason ?? null, seq],
  );
  return appendEvents(
    tx,
    [
      {
        type: 'job:cancelled',
        jobId: job.id,
        seq: seq!,
        tenant: job.tenant,
        at: now,
        payload: { reason, error },
      },
    ],
    origin === undefined ? undefined : { origin },
  );
}
