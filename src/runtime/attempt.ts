import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { TimerHandle } from '../time/clock.js';
import { type AbortReason, AbortScope } from './abort-scope.js';
import type { CompensationContext, JobInfo, Pipeline } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';
import type { Checkpoint, ClaimedJob, ClaimedRow } from './transitions/claim.js';
import type { CommandResult, JobOp, JobRef, RunningView } from './transitions/job-op.js';

export interface Compensation {
  readonly step: string;
  readonly output: unknown;
  readonly fn: (output: unknown, ctx: CompensationContext) => unknown;
}

/**
 * One attempt of one job on this worker: its lease epoch, its abort scope (deadline, cancel, lease
 * loss, shutdown), the steps already done, the undo hooks registered so far, and the way its
 * transitions reach the database (`commit`).
 */
export class Attempt {
  readonly ref: JobRef;
  readonly row: ClaimedRow;
  readonly pipeline: Pipeline;
  readonly info: JobInfo;
  readonly startedAt: number;
  /** Succeeded steps, by name: step.run returns their output instead of running them. */
  readonly done: Map<string, Checkpoint>;
  readonly usedNames = new Set<string>();
  readonly compensations: Compensation[] = [];
  readonly scope = new AbortScope();
  /** What its commits write on the job row besides their own columns. */
  readonly view: { currentStep: string | null; progress: RunningView['progress'] } = {
    currentStep: null,
    progress: null,
  };
  /** The step running now, until it has recorded how it ended. */
  running: Promise<unknown> | undefined;
  /**
   * Until when this worker's lease is known to hold, on the runtime's clock: the claim's lease,
   * then each renewal's. Past it, another worker may own the job (see Worker's lease watchdog).
   */
  leaseUntil: number;
  /** A lease renewal is in flight (one at a time: a stuck one is not joined by more). */
  renewing = false;
  /** The last checkpoint, committing while the pipeline goes on (see `step-runner.ts`). */
  #pending: Promise<unknown> | undefined;
  readonly #services: RuntimeServices;
  #deadlineTimer: TimerHandle | undefined;

  constructor(services: RuntimeServices, claimed: ClaimedJob, pipeline: Pipeline) {
    const { row } = claimed;
    this.#services = services;
    this.row = row;
    this.pipeline = pipeline;
    this.ref = { id: row.id, epoch: row.lease_epoch, tenant: row.tenant, timeline: { seq: row.event_seq } };
    this.startedAt = services.clock.now();
    this.leaseUntil = this.startedAt + services.options.leaseMs;
    this.done = new Map(claimed.steps.map((s) => [s.name, s]));
    this.info = {
      id: row.id,
      pipeline: row.pipeline,
      tenant: row.tenant,
      attempt: row.attempt,
      deadline: row.deadline_at ?? undefined,
    };
    if (row.cancel_requested) {
      this.abort(holdfastError('CANCELLED', { jobId: row.id, reason: row.cancel_reason ?? undefined }));
    } else if (row.deadline_at) {
      const remaining = row.deadline_at.getTime() - services.clock.now();
      this.#deadlineTimer = services.clock.setTimeout(() => this.abort(this.deadlineError()), remaining);
    }
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  /** Stops the attempt; the first reason wins. */
  abort(reason: AbortReason): void {
    this.scope.abort(reason);
  }

  /**
   * Told when the attempt's outcome is queued: its slot is free from then on (the worker starts
   * the next job while the outcome commits), though the attempt is only over once it committed.
   */
  onOutcome: (() => void) | undefined;

  /** Queues the transition that ends the attempt (success, retry, park, handing back, failure…). */
  commitOutcome(op: JobOp): Promise<CommandResult> {
    const committed = this.commit(op);
    this.onOutcome?.();
    return committed;
  }

  /** Queues one of this attempt's transitions for the group commit. */
  commit(op: JobOp): Promise<CommandResult> {
    return this.#services.committer.submit({
      job: this.ref,
      view: { currentStep: this.view.currentStep, progress: this.view.progress },
      op,
    });
  }

  /**
   * Commits a checkpoint without waiting for it: the pipeline goes on, and whatever comes next
   * either waits for it (the next step, through `settled`) or shares its commit (the outcome).
   * If it fails, the attempt stops with that reason.
   */
  commitAhead(op: JobOp): void {
    const pending = this.commit(op).then((result) => {
      if (result.cancelRequested) this.abort(holdfastError('CANCELLED', { jobId: this.ref.id }));
    });
    pending.catch((error: unknown) => this.abortOnCommitFailure(error));
    this.#pending = pending;
  }

  /**
   * Waits for the running step to record its end: an aborted attempt's outcome must follow its
   * step's `step:failed` in the timeline. Bounded: an aborted step does not wait for its function.
   */
  async quiesce(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /** Resolves once the checkpoint committed ahead (if any) is durable; throws what failed it. */
  async settled(): Promise<void> {
    const pending = this.#pending;
    if (pending === undefined) return;
    await pending;
    if (this.#pending === pending) this.#pending = undefined;
  }

  /** A refused or failed commit means this attempt can no longer write: stop it. */
  abortOnCommitFailure(error: unknown): void {
    this.abort(
      isHoldfastError(error)
        ? error
        : holdfastError('INTERNAL', {
            reason: `commit failed: ${(error as Error)?.message ?? String(error)}`,
          }),
    );
  }

  deadlineError(): HoldfastError {
    const timeoutMs = this.row.timeout_ms ?? 0;
    return holdfastError('JOB_TIMEOUT', {
      jobId: this.row.id,
      pipeline: this.row.pipeline,
      timeoutMs,
      elapsedMs: this.row.started_at ? this.#services.clock.now() - this.row.started_at.getTime() : undefined,
      step: this.view.currentStep ?? undefined,
      progress: this.view.progress ?? undefined,
    });
  }

  dispose(): void {
    if (this.#deadlineTimer) this.#services.clock.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }
}
