import { holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { TimerHandle } from '../time/clock.js';
import { WorkerStopping } from './abort-scope.js';
import { Attempt } from './attempt.js';
import { cancelChannel, jobsChannel } from './channels.js';
import type { Pipeline } from './pipeline.js';
import { type AttemptDeps, runAttempt } from './run-attempt.js';
import { type ClaimedJob, type ClaimRequest, claim, nextDueAt, takeover } from './transitions/claim.js';

type TimerName = 'poll' | 'due' | 'heartbeat' | 'takeover';

/** Attempts that last longer than this on average are not claimed ahead: a claimed job would wait. */
const claimAheadBelowMs = 1000;

/**
 * Runs jobs: claims due jobs in batches, runs each attempt, renews leases, takes over jobs whose
 * worker died, and hands jobs back on stop. Wakes up on submits in this process at once, on
 * NOTIFY from other processes, at the next known run_at, and on a poll as a safety net.
 *
 * Claims ahead: while attempts are short, up to the concurrency again is claimed before slots
 * free up, so a slot that frees starts its next job at once instead of after a claim round trip.
 * A claimed job that waits longer than a heartbeat period for its slot is handed back.
 */
export class Worker {
  readonly #deps: AttemptDeps;
  readonly #pipelines: ReadonlyMap<string, Pipeline>;
  readonly #names: readonly string[];
  readonly #active = new Map<string, Attempt>();
  readonly #ready: Array<{ job: ClaimedJob; at: number }> = [];
  readonly #running = new Set<Promise<void>>();
  readonly #onAttemptEnd: AttemptDeps['budget']['attemptEnded'];
  #started = false;
  #stopping = false;
  #claiming: Promise<void> | undefined;
  #again = false;
  #timers = new Map<TimerName, TimerHandle>();
  #dueAt: number | undefined;
  #unlisten: Array<() => Promise<void>> = [];
  /** Moving average of attempt durations, for the claim-ahead decision. */
  #averageMs = 0;

  constructor(deps: AttemptDeps, pipelines: ReadonlyMap<string, Pipeline>) {
    this.#deps = deps;
    this.#pipelines = pipelines;
    this.#names = [...pipelines.keys()];
    this.#onAttemptEnd = deps.budget.attemptEnded;
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
    const { store, options } = this.#deps.services;
    if (store.shared) {
      this.#unlisten.push(
        // A submit in this process wakes this worker directly: its NOTIFY is for the others.
        await store.listen(
          jobsChannel,
          (origin) => origin !== this.#deps.services.bus.origin && this.wake(),
          {
            onReconnect: () => this.wake(),
          },
        ),
      );
      this.#unlisten.push(await store.listen(cancelChannel, (jobId) => this.cancelLocal(jobId)));
    }
    this.#schedule('heartbeat', options.heartbeatMs, () => this.#heartbeat());
    this.#schedule('takeover', 0, () => this.#takeover());
    this.#schedule('poll', options.pollMs, () => this.wake());
    this.wake();
  }

  /**
   * Stops claiming, lets running attempts finish for up to `graceMs` (or until `signal` aborts),
   * then aborts the rest: their jobs go back to the queue (their current step's writes are
   * discarded) for another worker. Returns at once when nothing runs.
   */
  async stop(graceMs = 10_000, signal?: AbortSignal): Promise<void> {
    if (!this.#started) return;
    this.#stopping = true;
    const { services } = this.#deps;
    for (const [name, timer] of this.#timers) {
      services.clock.clearTimeout(timer);
      this.#timers.delete(name);
    }
    await Promise.all(
      this.#unlisten
        .splice(0)
        .map((u) =>
          u().catch((error: unknown) => services.logger.warn({ err: error }, 'could not stop listening')),
        ),
    );
    await this.#claiming?.catch(() => {});
    // Claimed jobs that never started go straight back.
    for (const { job } of this.#ready.splice(0)) this.#start(job).abort(new WorkerStopping());
    if (this.#running.size > 0) {
      const all = Promise.all(this.#running);
      let grace: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const graceful = await Promise.race([
        all.then(() => true),
        new Promise<boolean>((resolve) => {
          grace = setTimeout(() => resolve(false), graceMs);
          onAbort = () => resolve(false);
          if (signal?.aborted) resolve(false);
          else signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      clearTimeout(grace);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (!graceful) {
        for (const attempt of this.#active.values()) attempt.abort(new WorkerStopping());
        await all;
      }
    }
    await services.committer.drain();
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

  /**
   * How many more jobs to claim now: free slots, plus as many again claimed ahead while attempts
   * are short (a slot then never waits for a claim, and claims come in larger, cheaper batches).
   */
  #wanted(): number {
    const { concurrency } = this.#deps.services.options;
    const ahead = this.#short() ? concurrency : 0;
    return concurrency + ahead - this.#active.size - this.#ready.length;
  }

  #short(): boolean {
    return this.#averageMs < claimAheadBelowMs;
  }

  async #claimLoop(): Promise<void> {
    const { clock, logger } = this.#deps.services;
    try {
      for (;;) {
        const wanted = this.#wanted();
        if (wanted <= 0 || this.#stopping) return;
        const claimed = await claim(this.#claimRequest(wanted));
        this.#deps.services.bus.publish(claimed.map((c) => c.started));
        const now = clock.now();
        for (const job of claimed) this.#ready.push({ job, at: now });
        this.#fill();
        if (claimed.length < wanted) {
          // Nothing more is due now: learn when something will be, without holding up the next claim.
          this.#noteDue();
          return;
        }
      }
    } catch (error) {
      logger.warn({ err: error }, 'claiming jobs failed; retrying at the next poll');
    }
  }

  #claimRequest(limit: number): ClaimRequest {
    const { store, bus, workerId, clock, options } = this.#deps.services;
    return {
      store,
      origin: bus.origin,
      workerId,
      pipelines: this.#names,
      limit,
      now: clock.now(),
      leaseMs: options.leaseMs,
    };
  }

  /** Starts claimed jobs while slots are free. */
  #fill(): void {
    const { concurrency } = this.#deps.services.options;
    while (this.#active.size < concurrency && this.#ready.length > 0 && !this.#stopping) {
      this.#start(this.#ready.shift()!.job);
    }
  }

  #start(claimed: ClaimedJob): Attempt {
    const { services } = this.#deps;
    const pipeline = this.#pipelines.get(claimed.row.pipeline)!;
    const attempt = new Attempt(services, claimed, pipeline);
    this.#active.set(claimed.row.id, attempt);
    // The slot frees as soon as the outcome is queued: the next job starts while it commits.
    attempt.onOutcome = () => this.#release(attempt);
    const done = runAttempt(this.#deps, attempt).then((outcome) => {
      this.#release(attempt);
      this.#running.delete(done);
      this.#onAttemptEnd(attempt, outcome);
      if (outcome === 'retry-scheduled' || outcome === 'parked') this.#noteDue();
    });
    this.#running.add(done);
    return attempt;
  }

  /** Arms the wake-up at the next run_at, if it is sooner than the one armed. */
  /** The attempt no longer takes a slot (once). */
  #release(attempt: Attempt): void {
    if (this.#active.get(attempt.ref.id) !== attempt) return;
    this.#active.delete(attempt.ref.id);
    const { clock, options } = this.#deps.services;
    this.#averageMs = this.#averageMs * 0.9 + (clock.now() - attempt.startedAt) * 0.1;
    this.#fill();
    // Claim in batches under load (while the claimed-ahead jobs keep the slots busy); at once
    // when the worker idles.
    const batch = Math.ceil(options.concurrency / (this.#short() ? 2 : 4));
    if (this.#wanted() >= batch || this.#active.size === 0) this.wake();
  }

  #noteDue(): void {
    const { clock, store } = this.#deps.services;
    nextDueAt(store, this.#names).then(
      (at) => {
        if (at !== undefined && at > clock.now() && (this.#dueAt === undefined || at < this.#dueAt))
          this.#armDue(at);
      },
      (error: unknown) =>
        this.#deps.services.logger.warn({ err: error }, 'could not read when the next job is due'),
    );
  }

  #armDue(at: number): void {
    if (this.#stopping) return;
    const { clock } = this.#deps.services;
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

  #schedule(name: Exclude<TimerName, 'due'>, ms: number, fn: () => Promise<void> | void): void {
    const { clock, options } = this.#deps.services;
    const timer = clock.setTimeout(async () => {
      try {
        await fn();
      } finally {
        if (!this.#stopping && this.#started)
          this.#schedule(name, name === 'takeover' ? options.leaseMs / 2 : ms, fn);
      }
    }, ms);
    timer.unref?.();
    this.#timers.set(name, timer);
  }

  /**
   * Renews the leases of running jobs (an attempt whose lease was lost or that was cancelled
   * stops), and hands back claimed jobs that waited too long for a slot.
   */
  async #heartbeat(): Promise<void> {
    const { clock, options, logger } = this.#deps.services;
    const stale = clock.now() - options.heartbeatMs;
    while (this.#ready.length > 0 && this.#ready[0]!.at <= stale) {
      this.#start(this.#ready.shift()!.job).abort(new WorkerStopping());
    }
    // Attempts still finishing (compensating after a cancel) keep their lease too.
    const attempts = [...this.#active.values()].filter(
      (a) => !(isHoldfastError(a.scope.reason) && a.scope.reason.code === 'LEASE_LOST'),
    );
    await Promise.all(
      attempts.map(async (attempt) => {
        try {
          const result = await attempt.commit({ kind: 'heartbeat' });
          if (result.cancelRequested) attempt.abort(holdfastError('CANCELLED', { jobId: attempt.ref.id }));
        } catch (error) {
          if (isHoldfastError(error) && error.code === 'LEASE_LOST') attempt.abort(error);
          else logger.warn({ err: error, jobId: attempt.ref.id }, 'lease renewal failed');
        }
      }),
    );
  }

  /** Claims jobs of dead workers (lease expired); they resume at their last checkpoint (G5). */
  async #takeover(): Promise<void> {
    const free = this.#deps.services.options.concurrency - this.#active.size - this.#ready.length;
    if (free <= 0 || this.#stopping) return;
    try {
      const claimed = await takeover(this.#claimRequest(free));
      this.#deps.services.bus.publish(claimed.map((c) => c.started));
      for (const job of claimed) this.#start(job);
    } catch (error) {
      this.#deps.services.logger.warn({ err: error }, 'taking over expired jobs failed');
    }
  }
}
