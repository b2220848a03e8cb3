import type { HoldfastErrorJSON } from '../../errors/holdfast-error.js';
import type { ProgressPayload } from '../../events/event-map.js';
import type { JobOp, JobRef, OpEvent, RunningView } from './job-op.js';

/** How a commit leaves the job row: still running, ended, or handed back to the queue. */
export type RowChange =
  /** Still running; a heartbeat renews the lease (nothing else does: a lease is proof of a heartbeat). */
  | { readonly kind: 'running'; readonly renewLease: boolean }
  | {
      readonly kind: 'ended';
      readonly state: 'succeeded' | 'failed' | 'cancelled';
      readonly output: unknown;
      readonly error: HoldfastErrorJSON | null;
    }
  | {
      readonly kind: 'released';
      readonly state: 'queued' | 'waiting';
      readonly runAt: number;
      readonly attempt: number;
      readonly waitReason: 'retry' | 'budget' | 'worker-stopped';
      readonly retryDelayMs: number | null;
      readonly error: HoldfastErrorJSON | null;
    };

/** A step row as a commit writes it: a new run (start), or the end of a run started earlier. */
export interface StepWrite {
  readonly name: string;
  /** True when this commit starts the run (a new row, or `runs + 1` on an existing one). */
  started: boolean;
  attempt: number;
  hasCompensation: boolean;
  state: 'running' | 'succeeded' | 'failed';
  output: unknown;
  error: HoldfastErrorJSON | null;
  progress: ProgressPayload | null;
  finished: boolean;
}

/**
 * Everything one group commit writes for one attempt of one job, folded from its operations in
 * queue order by the transition functions below: the events (numbered at flush time), the step
 * rows, the steps whose undo ran, and how the job row ends up. One fold per job means one write
 * of each row per commit, whatever the number of operations.
 */
export class JobCommit {
  readonly job: JobRef;
  view: RunningView;
  readonly events: OpEvent[] = [];
  readonly steps = new Map<string, StepWrite>();
  readonly compensated: string[] = [];
  row: RowChange = { kind: 'running', renewLease: false };

  constructor(job: JobRef, view: RunningView) {
    this.job = job;
    this.view = view;
  }

  /** Applies one operation through its transition. */
  apply(op: JobOp, view: RunningView): void {
    this.view = view;
    switch (op.kind) {
      case 'startStep':
        startStep(this, op);
        return;
      case 'checkpoint':
        checkpoint(this, op);
        return;
      case 'failStep':
        failStep(this, op);
        return;
      case 'progress':
        progress(this, op);
        return;
      case 'call':
        call(this, op);
        return;
      case 'heartbeat':
        heartbeat(this);
        return;
      case 'compensated':
        compensated(this, op);
        return;
      case 'scheduleRetry':
        scheduleRetry(this, op);
        return;
      case 'park':
        park(this, op);
        return;
      case 'requeue':
        requeue(this, op);
        return;
      case 'succeed':
        succeed(this, op);
        return;
      case 'fail':
        fail(this, op);
        return;
      case 'cancel':
        cancel(this, op);
        return;
      default: {
        const never: never = op;
        throw new Error(`unknown job operation ${JSON.stringify(never)}`);
      }
    }
  }
}

type OpOf<K extends JobOp['kind']> = Extract<JobOp, { kind: K }>;

/** A step begins a run: its row says `running` (or is written once with its end, if that comes in the same commit). */
export function startStep(c: JobCommit, op: OpOf<'startStep'>): void {
  c.steps.set(op.name, {
    name: op.name,
    started: true,
    attempt: op.attempt,
    hasCompensation: op.hasCompensation,
    state: 'running',
    output: null,
    error: null,
    progress: null,
    finished: false,
  });
  c.events.push({
    type: 'step:started',
    payload: {
      step: op.name,
      attempt: op.attempt,
      ...(op.index === undefined ? {} : { index: op.index, total: op.total }),
    },
  });
}

/** A step succeeded: its result is stored (with its staged writes, committed by the same transaction). */
export function checkpoint(c: JobCommit, op: OpOf<'checkpoint'>): void {
  const { step } = op;
  endStep(c, step.name, step.attempt, {
    state: 'succeeded',
    output: step.output,
    error: null,
    progress: step.progress,
  });
  c.events.push({
    type: 'step:succeeded',
    payload: { step: step.name, attempt: step.attempt, durationMs: step.durationMs },
  });
}

/** A step failed (threw, timed out, was aborted, or its staged writes were refused). */
export function failStep(c: JobCommit, op: OpOf<'failStep'>): void {
  endStep(c, op.name, op.attempt, { state: 'failed', output: null, error: op.error, progress: op.progress });
  c.events.push({
    type: 'step:failed',
    payload: { step: op.name, attempt: op.attempt, durationMs: op.durationMs, error: op.error },
  });
}

function endStep(
  c: JobCommit,
  name: string,
  attempt: number,
  end: {
    state: 'succeeded' | 'failed';
    output: unknown;
    error: HoldfastErrorJSON | null;
    progress: ProgressPayload | null;
  },
): void {
  const write = c.steps.get(name) ?? {
    name,
    started: false,
    attempt,
    hasCompensation: false,
    state: end.state,
    output: null,
    error: null,
    progress: null,
    finished: true,
  };
  write.state = end.state;
  write.output = end.output;
  write.error = end.error;
  write.progress = end.progress ?? write.progress;
  write.finished = true;
  c.steps.set(name, write);
}

/** Progress of the running step: an event, and the job row's `progress` (from the attempt's view). */
export function progress(c: JobCommit, op: OpOf<'progress'>): void {
  c.events.push({ type: 'step:progress', payload: op.progress });
}

/** One attempt of a guarded provider call, for the timeline. */
export function call(c: JobCommit, op: OpOf<'call'>): void {
  c.events.push({ type: 'step:call', payload: op.payload });
}

/** Renews the lease of a job that is still running. */
export function heartbeat(c: JobCommit): void {
  if (c.row.kind === 'running') c.row = { kind: 'running', renewLease: true };
}

/** An undo hook ran (or failed): a hook that ran is recorded so a crash does not run it twice. */
export function compensated(c: JobCommit, op: OpOf<'compensated'>): void {
  if (op.ok) c.compensated.push(op.step);
  c.events.push({ type: 'step:compensated', payload: { step: op.step, ok: op.ok, message: op.message } });
}

/** A durable retry: the job waits until `runAt`, freeing the worker. */
export function scheduleRetry(c: JobCommit, op: OpOf<'scheduleRetry'>): void {
  c.row = {
    kind: 'released',
    state: 'waiting',
    runAt: op.runAt,
    attempt: op.attempt,
    waitReason: 'retry',
    retryDelayMs: op.delayMs,
    error: op.error,
  };
  c.events.push({
    type: 'job:retry-scheduled',
    payload: {
      attempt: op.attempt - 1,
      nextAttempt: op.attempt,
      runAt: new Date(op.runAt).toISOString(),
      delayMs: op.delayMs,
      source: op.source,
      error: op.error,
    },
  });
}

/** The job waits for its budget to refill, without using up an attempt. */
export function park(c: JobCommit, op: OpOf<'park'>): void {
  c.row = {
    kind: 'released',
    state: 'waiting',
    runAt: op.runAt,
    attempt: op.attempt,
    waitReason: op.reason,
    retryDelayMs: op.retryDelayMs,
    error: null,
  };
  c.events.push({
    type: 'job:waiting',
    payload: { reason: op.reason, runAt: new Date(op.runAt).toISOString(), detail: op.detail },
  });
}

/** The worker stops: the job goes back to the queue, due now, for any worker to resume. */
export function requeue(c: JobCommit, op: OpOf<'requeue'>): void {
  c.row = {
    kind: 'released',
    state: 'queued',
    runAt: op.runAt,
    attempt: op.attempt,
    waitReason: 'worker-stopped',
    retryDelayMs: op.retryDelayMs,
    error: null,
  };
  c.events.push({
    type: 'job:waiting',
    payload: { reason: 'worker-stopped', runAt: new Date(op.runAt).toISOString(), detail: op.detail },
  });
}

export function succeed(c: JobCommit, op: OpOf<'succeed'>): void {
  c.row = { kind: 'ended', state: 'succeeded', output: op.output, error: null };
  c.events.push({ type: 'job:succeeded', payload: { attempt: op.attempt, durationMs: op.durationMs } });
}

export function fail(c: JobCommit, op: OpOf<'fail'>): void {
  c.row = { kind: 'ended', state: 'failed', output: null, error: op.error };
  c.events.push({ type: 'job:failed', payload: { attempt: op.attempt, error: op.error } });
}

export function cancel(c: JobCommit, op: OpOf<'cancel'>): void {
  c.row = { kind: 'ended', state: 'cancelled', output: null, error: op.error };
  c.events.push({ type: 'job:cancelled', payload: { reason: op.reason, error: op.error } });
}
