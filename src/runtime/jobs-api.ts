import { holdfastError } from '../errors/holdfast-error.js';
import type { TxSql } from '../store/store.js';
import type { BudgetHooks } from './budget-hooks.js';
import { type Job, type JobRow, type JobState, jobStates, jobView, type StepRow } from './job.js';
import { resolveJobId } from './job-id.js';
import type { Pipeline } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';
import { cancelNow, cancelThroughWorker, requestCancel, requeueFailed } from './transitions/operator.js';

export interface JobListFilter {
  readonly state?: JobState | readonly JobState[];
  readonly pipeline?: string;
  readonly tenant?: string;
  /** At most this many (default 50, max 500), newest first. */
  readonly limit?: number;
  /** Continue after this job id (the last of the previous page). */
  readonly after?: string;
}

export interface JobPage {
  readonly jobs: Job[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

export interface RetryOptions {
  /** Skip the budget pre-check (the budgets still apply to each call). */
  readonly force?: boolean;
}

export interface JobsApiContext {
  readonly services: RuntimeServices;
  readonly pipelines: ReadonlyMap<string, Pipeline>;
  /** Budget pre-check of a manual retry. */
  readonly budget: Pick<BudgetHooks, 'checkRetry' | 'cancelledQueued'>;
  /** Stops a job running in this process (cancel), and wakes the local worker. */
  readonly cancelLocal?: (jobId: string, reason?: string) => void;
  readonly wake?: () => void;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createJobsApi(context: JobsApiContext) {
  const { services } = context;
  const { store, clock } = services;

  /** `idOrPrefix`: a full job id or a unique prefix of one (everywhere an id is taken). */
  async function get(idOrPrefix: string): Promise<Job> {
    const id = await resolveJobId(store, idOrPrefix);
    const row = await loadJob(store, id);
    const { rows: steps } = await store.query<StepRow>(
      'select * from holdfast.steps where job_id = $1 order by started_at, name',
      [id],
    );
    return jobView(row, steps, context.pipelines.get(row.pipeline)?.steps);
  }

  async function list(filter: JobListFilter = {}): Promise<JobPage> {
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 50)), 500);
    const where: string[] = [];
    const params: unknown[] = [];
    const states =
      filter.state === undefined ? [] : Array.isArray(filter.state) ? filter.state : [filter.state];
    for (const state of states) {
      if (!jobStates.includes(state as JobState)) {
        throw holdfastError('VALIDATION_ERROR', {
          field: 'state',
          issues: [{ path: 'state', message: `must be one of ${jobStates.join(', ')}` }],
          subject: 'filter',
        });
      }
    }
    if (states.length > 0) {
      params.push(states);
      where.push(`state = any($${params.length}::text[])`);
    }
    if (filter.pipeline !== undefined) {
      params.push(filter.pipeline);
      where.push(`pipeline = $${params.length}`);
    }
    if (filter.tenant !== undefined) {
      params.push(filter.tenant);
      where.push(`tenant = $${params.length}`);
    }
    if (filter.after !== undefined) {
      const after = await loadJob(store, filter.after);
      params.push(after.id);
      where.push(`id < $${params.length}::uuid`);
    }
    params.push(limit + 1);
    // Job ids are UUIDv7: in id order is in creation order.
    const { rows } = await store.query<JobRow>(
      `select * from holdfast.jobs ${where.length ? `where ${where.join(' and ')}` : ''}
        order by id desc limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return { jobs: page.map((r) => jobView(r)), next: rows.length > limit ? page.at(-1)!.id : null };
  }

  /**
   * Runs a failed or cancelled job again, resuming after its last succeeded step (G2). Steps whose
   * effects were undone by a compensation run again. Unless forced, budgets must cover the steps
   * that remain.
   */
  async function retry(idOrPrefix: string, options: RetryOptions = {}): Promise<Job> {
    const id = await resolveJobId(store, idOrPrefix);
    const now = clock.now();
    const events = await store.transaction(async (tx) => {
      const row = await loadJob(tx, id, true);
      if (row.state !== 'failed' && row.state !== 'cancelled') {
        throw holdfastError('CONFLICT', {
          kind: 'job',
          id,
          state: row.state,
          allowed: ['failed', 'cancelled'],
        });
      }
      const pipeline = context.pipelines.get(row.pipeline);
      if (!options.force) {
        // Steps whose effects were undone run again: only the others count as done.
        const { rows: done } = await tx.query<{ name: string }>(
          `select name from holdfast.steps where job_id = $1 and state = 'succeeded' and compensated_at is null`,
          [id],
        );
        const completed = new Set(done.map((r) => r.name));
        await context.budget.checkRetry(
          tx,
          row,
          pipeline?.steps?.filter((s) => !completed.has(s)),
          now,
        );
      }
      return requeueFailed(tx, row, pipeline?.retry.attempts ?? 1, { now, origin: originOf() });
    });
    services.bus.publish(events);
    context.wake?.();
    return get(id);
  }

  /**
   * Cancels a job. A queued or waiting job with nothing to undo is cancelled at once; otherwise the
   * job is flagged, and the worker that runs it aborts its step (rolling back its writes), runs
   * the undo hooks newest first and ends it `cancelled`.
   */
  async function cancel(idOrPrefix: string, options: { reason?: string } = {}): Promise<Job> {
    const id = await resolveJobId(store, idOrPrefix);
    const now = clock.now();
    const reason = options.reason;
    const transition = { now, origin: originOf() };
    const { events, running } = await store.transaction(async (tx) => {
      const row = await loadJob(tx, id, true);
      if (row.state === 'succeeded' || row.state === 'failed' || row.state === 'cancelled') {
        throw holdfastError('CONFLICT', {
          kind: 'job',
          id,
          state: row.state,
          allowed: ['queued', 'waiting', 'running'],
        });
      }
      if (row.state === 'running') {
        await requestCancel(tx, row, reason, transition);
        return { events: [], running: true };
      }
      const { rows: undo } = await tx.query<{ n: number }>(
        `select count(*)::int as n from holdfast.steps
          where job_id = $1 and has_compensation and state = 'succeeded' and compensated_at is null`,
        [id],
      );
      if ((undo[0]?.n ?? 0) > 0) {
        await cancelThroughWorker(tx, row, reason, transition);
        return { events: [], running: true };
      }
      return { events: await cancelNow(tx, row, reason, transition), running: false };
    });
    services.bus.publish(events);
    if (running) {
      context.cancelLocal?.(id, reason);
      context.wake?.();
    } else context.budget.cancelledQueued(id);
    return get(id);
  }

  function originOf(): string | undefined {
    return store.shared ? services.bus.origin : undefined;
  }

  return { get, list, retry, cancel };
}

export type JobsApi = ReturnType<typeof createJobsApi>;

async function loadJob(sql: { query: TxSql['query'] }, id: string, forUpdate = false): Promise<JobRow> {
  if (typeof id !== 'string' || !uuidPattern.test(id))
    throw holdfastError('NOT_FOUND', { kind: 'job', id: String(id) });
  const { rows } = await sql.query<JobRow>(
    `select * from holdfast.jobs where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  if (rows[0] === undefined) throw holdfastError('NOT_FOUND', { kind: 'job', id });
  return rows[0];
}
