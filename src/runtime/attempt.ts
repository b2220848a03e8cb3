import { type HoldfastError, holdfastError } from '../errors/holdfast-error.js';
import type { ProgressPayload } from '../events/event-map.js';
import type { TimerHandle } from '../time/clock.js';
import type { JobRef } from './commit-batcher.js';
import type { JobRow, StepRow } from './job.js';
import type { JobInfo, Pipeline } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';

/** A job claimed by this worker, with the steps it already has. */
export interface ClaimedJob {
  readonly row: JobRow;
  readonly steps: readonly StepRow[];
  readonly takeover: boolean;
}

/** The abort reason when this worker stops: the job is handed back, not failed. */
export class WorkerStopping extends Error {
  constructor() {
    super('The worker is stopping; the job is handed back to the queue');
    this.name = 'WorkerStopping';
  }
}

export interface Compensation {
  readonly step: string;
  readonly output: unknown;
  readonly fn: (output: unknown, ctx: import('./pipeline.js').CompensationContext) => unknown;
}

/**
 * One attempt of one job on this worker: its lease epoch, its abort signal (deadline, cancel,
 * lease loss, shutdown), the steps already done, and the undo hooks registered so far.
 */
export class Attempt {
  readonly ref: JobRef;
  readonly row: JobRow;
  readonly pipeline: Pipeline;
  readonly info: JobInfo;
  readonly startedAt: number;
  /** Succeeded steps, by name: step.run returns their output instead of running them. */
  readonly done: Map<string, StepRow>;
  readonly usedNames = new Set<string>();
  readonly compensations: Compensation[] = [];
  readonly #controller = new AbortController();
  readonly #services: RuntimeServices;
  #deadlineTimer: TimerHandle | undefined;
  currentStep: string | undefined;
  lastProgress: ProgressPayload | undefined;
  /** The delay of the retry before this attempt (for decorrelated jitter). */
  readonly previousDelayMs: number | undefined;

  constructor(services: RuntimeServices, claimed: ClaimedJob, pipeline: Pipeline) {
    const { row } = claimed;
    this.#services = services;
    this.row = row;
    this.pipeline = pipeline;
    this.ref = { id: row.id, epoch: row.lease_epoch, tenant: row.tenant };
    this.startedAt = services.clock.now();
    this.previousDelayMs = row.retry_delay_ms ?? undefined;
    this.done = new Map(claimed.steps.filter((s) => s.state === 'succeeded').map((s) => [s.name, s]));
    this.info = Object.freeze({
      id: row.id,
      pipeline: row.pipeline,
      tenant: row.tenant,
      attempt: row.attempt,
      deadline: row.deadline_at ?? undefined,
    });
    if (row.cancel_requested) {
      this.abort(holdfastError('CANCELLED', { jobId: row.id, reason: row.cancel_reason ?? undefined }));
    } else if (row.deadline_at) {
      const remaining = row.deadline_at.getTime() - services.clock.now();
      this.#deadlineTimer = services.clock.setTimeout(() => this.abort(this.deadlineError()), remaining);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Stops the attempt; the first reason wins. */
  abort(reason: HoldfastError | WorkerStopping): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  deadlineError(): HoldfastError {
    const timeoutMs = this.row.timeout_ms ?? 0;
    return holdfastError('JOB_TIMEOUT', {
      jobId: this.row.id,
      pipeline: this.row.pipeline,
      timeoutMs,
      elapsedMs: this.row.started_at ? this.#services.clock.now() - this.row.started_at.getTime() : undefined,
      step: this.currentStep,
      progress: this.lastProgress,
    });
  }

  /** Milliseconds left before the job's deadline (Infinity without one). */
  remainingMs(): number {
    const deadline = this.row.deadline_at;
    return deadline ? Math.max(0, deadline.getTime() - this.#services.clock.now()) : Number.POSITIVE_INFINITY;
  }

  dispose(): void {
    if (this.#deadlineTimer) this.#services.clock.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }
}
