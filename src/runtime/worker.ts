import { holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { TimerHandle } from '../time/clock.js';
import { Attempt, type ClaimedJob, WorkerStopping } from './attempt.js';
import type { PrepareAttempt } from './budget-hooks.js';
import { cancelChannel, jobsChannel } from './channels.js';
import { claimJobs, nextDueAt } from './claim.js';
import type { Pipeline } from './pipeline.js';
import { type AttemptOutcome, runAttempt } from './run-attempt.js';
import type { RuntimeServices } from './runtime-services.js';
import type { StepContextExtension } from './step-runner.js';

export interface WorkerHooks {
  /** Adds capabilities to step contexts (providers add `call`). */
  readonly extendStep?: StepContextExtension;
  /** Runs before an attempt's pipeline: may park or fail the job (a budget-parked job). */
  readonly prepareAttempt?: PrepareAttempt;
  /** Called when an attempt ends, with what happened (budgets give back a finished job's hold). */
  readonly onAttemptEnd?: (attempt: Attempt, outcome: AttemptOutcome) => void;
}

/**
 * Runs jobs: claims due jobs in batches, runs each attempt, renews leases, takes over jobs whose
 * worker died, and hands jobs back on stop. Wakes up on submits in this process at once, on
 * NOTIFY from other processes, at the next known run_at, and on a poll as a safety net.
 */
export class Worker {
  readonly #services: RuntimeServices;
  readonly #pipelines: ReadonlyMap<string, Pipeline>;
  readonly #hooks: WorkerHooks;
  readonly #active = new Map<string, Attempt>();
  readonly #running = new Set<Promise<void>>();
  #started = false;
  #stopping = false;
  #claiming: Promise<void> | undefined;
  #again = false;
  #timers = new Map<'poll' | 'due' | 'heartbeat' | 'takeover', TimerHandle>();
  #dueAt: number | undefined;
  #unlisten: Array<() => Promise<void>> = [];

  constructor(services: RuntimeServices, pipelines: ReadonlyMap<string, Pipeline>, hooks: WorkerHooks = {}) {
    this.#services = services;
    this.#pipelines = pipelines;
    this.#hooks = hooks;
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Whether it runs jobs, and whether it is stopping (finishing what runs, claiming nothing). */
  get status(): { readonly running: boolean; readonly draining: boolean } {
    return { running: this.#started && !this.#stopping, draining: this.#started && this.#stopping };
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    const { store } = this.#services;
    if (store.shared) {
      this.#unlisten.push(
        await store.listen(jobsChannel, () => this.wake(), { onReconnect: () => this.wake() }),
      );
      this.#unlisten.push(await store.listen(cancelChannel, (jobId) => this.cancelLocal(jobId)));
    }
    this.#schedule('heartbeat', this.#services.options.heartbeatMs, () => this.#heartbeat());
    this.#schedule('takeover', 0, () => this.#takeover());
    this.#schedule('poll', this.#services.options.pollMs, () => this.#poll());
    this.wake();
  }

  /**
   * Stops claiming, lets running attempts finish for up to `graceMs`, then aborts the rest: their
   * jobs go back to the queue (their current step's writes are discarded) for another worker.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    for (const [name, timer] of this.#timers) {
      this.#services.clock.clearTimeout(timer);
      this.#timers.delete(name);
    }
    await Promise.all(this.#unlisten.splice(0).map((u) => u().catch(() => {})));
    await this.#claiming?.catch(() => {});
    const all = Promise.all(this.#running);
    const graceful = await Promise.race([
      all.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), graceMs)),
    ]);
    if (!graceful) {
      for (const attempt of this.#active.values()) attempt.abort(new WorkerStopping());
      await all;
    }
    await this.#services.batcher.drain();
    this.#started = false;
  }

  /** Looks for due jobs now (coalesces with a claim already under way). */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = this.#claimLoop().finally(() => {
      this.#claiming = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Aborts a job running here, because it was cancelled. */
  cancelLocal(jobId: string, reason?: string): void {
    this.#active.get(jobId)?.abort(holdfastError('CANCELLED', { jobId, reason }));
  }

  /** Tells a job due at `at` exists (a retry scheduled here): wake then. */
  noteDue(at: number): void {
    if (this.#dueAt === undefined || at < this.#dueAt) this.#armDue(at);
  }

  async #claimLoop(): Promise<void> {
    const { options, clock, logger } = this.#services;
    try {
      for (;;) {
        const free = options.concurrency - this.#active.size;
        if (free <= 0 || this.#stopping) return;
        const claimed = await claimJobs(this.#claimRequest(free));
        for (const job of claimed) this.#run(job);
        if (claimed.length < free) {
          const at = await nextDueAt(this.#services.store, [...this.#pipelines.keys()]);
          if (at !== undefined && at > clock.now()) this.#armDue(at);
          return;
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'claiming jobs failed; retrying at the next poll');
    }
  }

  #claimRequest(limit: number) {
    const { store, bus, workerId, clock, options } = this.#services;
    return {
      store,
      bus,
      origin: bus.origin,
      workerId,
      pipelines: [...this.#pipelines.keys()],
      limit,
      now: clock.now(),
      leaseMs: options.leaseMs,
    };
  }

  #run(claimed: ClaimedJob): void {
    const pipeline = this.#pipelines.get(claimed.row.pipeline)!;
    const attempt = new Attempt(this.#services, claimed, pipeline);
    this.#active.set(claimed.row.id, attempt);
    const done = runAttempt(this.#services, attempt, this.#hooks.extendStep, this.#hooks.prepareAttempt).then(
      (outcome) => {
        this.#active.delete(claimed.row.id);
        this.#running.delete(done);
        this.#hooks.onAttemptEnd?.(attempt, outcome);
        // Claim in batches under load; at once when this frees the last slot or the worker idles.
        const free = this.#services.options.concurrency - this.#active.size;
        if (free >= Math.ceil(this.#services.options.concurrency / 4) || this.#active.size === 0) this.wake();
        if (outcome === 'retry-scheduled' || outcome === 'parked') this.#noteRetry();
      },
    );
    this.#running.add(done);
  }

  #noteRetry(): void {
    void nextDueAt(this.#services.store, [...this.#pipelines.keys()]).then(
      (at) => {
        if (at !== undefined) this.noteDue(at);
      },
      () => {},
    );
  }

  #armDue(at: number): void {
    const { clock } = this.#services;
    this.#dueAt = at;
    const existing = this.#timers.get('due');
    if (existing) clock.clearTimeout(existing);
    this.#timers.set(
      'due',
      clock.setTimeout(() => {
        this.#timers.delete('due');
        this.#dueAt = undefined;
        this.wake();
      }, at - clock.now()),
    );
  }

  #schedule(name: 'poll' | 'heartbeat' | 'takeover', ms: number, fn: () => Promise<void> | void): void {
    const { clock } = this.#services;
    const timer = clock.setTimeout(async () => {
      try {
        await fn();
      } finally {
        if (!this.#stopping && this.#started)
          this.#schedule(name, name === 'takeover' ? this.#services.options.leaseMs / 2 : ms, fn);
      }
    }, ms);
    timer.unref?.();
    this.#timers.set(name, timer);
  }

  #poll(): void {
    this.wake();
  }

  /** Renews the leases of running jobs; an attempt whose lease was lost or that was cancelled stops. */
  async #heartbeat(): Promise<void> {
    const { batcher, clock, options } = this.#services;
    // Attempts still finishing (compensating after a cancel) keep their lease too.
    const attempts = [...this.#active.values()].filter(
      (a) => !(a.signal.aborted && isHoldfastError(a.signal.reason) && a.signal.reason.code === 'LEASE_LOST'),
    );
    await Promise.all(
      attempts.map(async (attempt) => {
        try {
          const result = await batcher.submit({
            job: attempt.ref,
            jobUpdate: { lease_expires_at: clock.now() + options.leaseMs },
          });
          if (result.cancelRequested) attempt.abort(holdfastError('CANCELLED', { jobId: attempt.ref.id }));
        } catch (error) {
          if (isHoldfastError(error) && error.code === 'LEASE_LOST') attempt.abort(error);
          else this.#services.logger.warn({ err: error, jobId: attempt.ref.id }, 'lease renewal failed');
        }
      }),
    );
  }

  /** Claims jobs of dead workers (lease expired); they resume at their last checkpoint (G5). */
  async #takeover(): Promise<void> {
    const free = this.#services.options.concurrency - this.#active.size;
    if (free <= 0 || this.#stopping) return;
    try {
      const claimed = await claimJobs(this.#claimRequest(free), true);
      for (const job of claimed) this.#run(job);
    } catch (error) {
      this.#services.logger.warn({ err: error }, 'taking over expired jobs failed');
    }
  }
}
