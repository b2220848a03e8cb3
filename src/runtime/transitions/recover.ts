import type { HoldfastErrorJSON } from '../../errors/holdfast-error.js';
import { appendEvents, nextSeqs } from '../../events/event-log.js';
import type { AnyHoldfastEvent, AnyNewEvent } from '../../events/event-map.js';
import type { Store } from '../../store/store.js';
import { jobsChannel } from '../channels.js';

/** A job whose attempt was cut off by an outage, as the worker that ran it knows it. */
export interface InterruptedJob {
  readonly id: string;
  /** The lease epoch the attempt held: the fence. */
  readonly epoch: number;
}

/**
 * requeueInterrupted: the database is back after an outage that cut off attempts of this worker
 * (their commits failed). Each job it still holds — running, under the same lease epoch — goes
 * back to the queue at its old place (its run_at is kept, so it comes before the jobs that were
 * waiting behind it), instead of waiting for its lease to expire: the step that was
 * running is recorded as failed with the outage's error (none of its writes were kept), then
 * `job:waiting` (database-outage); the next attempt resumes after the last checkpoint. A job that
 * another worker took over meanwhile is left alone (the fence). The job's numbering is read from
 * its row, not from this worker's memory: the commit that failed may have reached the database.
 * Returns the events stored.
 */
export async function requeueInterrupted(
  store: Store,
  jobs: readonly InterruptedJob[],
  context: {
    readonly now: number;
    readonly workerId: string;
    readonly origin: string | undefined;
    readonly error: HoldfastErrorJSON;
  },
): Promise<AnyHoldfastEvent[]> {
  const stored: AnyHoldfastEvent[] = [];
  const at = new Date(context.now).toISOString();
  for (const job of jobs) {
    const events = await store.transaction(async (tx) => {
      const { rows } = await tx.query<{ tenant: string | null; event_seq: number; run_at: Date }>(
        `select tenant, event_seq, run_at from holdfast.jobs
          where id = $1 and lease_epoch = $2 and state = 'running' for update`,
        [job.id, job.epoch],
      );
      const row = rows[0];
      if (row === undefined) return [];
      const { rows: steps } = await tx.query<{ name: string; attempt: number; started_at: Date }>(
        `update holdfast.steps set state = 'failed', error = $2, finished_at = $3
          where job_id = $1 and state = 'running' returning name, attempt, started_at`,
        [job.id, JSON.stringify(context.error), at],
      );
      const seqs = nextSeqs(row.event_seq, steps.length + 1);
      const events: AnyNewEvent[] = steps.map((step, i) => ({
        type: 'step:failed',
        jobId: job.id,
        seq: seqs[i]!,
        tenant: row.tenant,
        at: context.now,
        payload: {
          step: step.name,
          attempt: step.attempt,
          durationMs: Math.max(0, context.now - step.started_at.getTime()),
          error: context.error,
        },
      }));
      events.push({
        type: 'job:waiting',
        jobId: job.id,
        seq: seqs.at(-1)!,
        tenant: row.tenant,
        at: context.now,
        payload: { reason: 'database-outage', runAt: row.run_at.toISOString(), detail: context.workerId },
      });
      await tx.query(
        `update holdfast.jobs set state = 'queued', wait_reason = 'database-outage',
                lease_owner = null, lease_expires_at = null, event_seq = $3, updated_at = $2
          where id = $1`,
        [job.id, at, seqs.at(-1)],
      );
      const appended = await appendEvents(
        tx,
        events,
        context.origin === undefined ? undefined : { origin: context.origin },
      );
      if (context.origin !== undefined)
        await tx.query('select pg_notify($1, $2)', [jobsChannel, context.origin]);
      return appended;
    });
    stored.push(...events);
  }
  return stored;
}
