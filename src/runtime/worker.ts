import { holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { StoreHealth } from '../store/store.js';
import type { TimerHandle } from '../time/clock.js';
import { WorkerStopping } from './abort-scope.js';
import { Attempt } from './attempt.js';
import { cancelChannel, jobsChannel } from './channels.js';
import type { Pipeline } from './pipeline.js';
import { type AttemptDeps, runAttempt } from './run-attempt.js';
import { type ClaimedJob, type ClaimRequest, claim, nextDueAt, takeover } from './transitions/claim.js';
import { type InterruptedJob, requeueInterrupted } from './transitions/recover.js';

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
 *
 * Survives the store: while it is down (store.health), nothing is claimed; attempts cut off by
 * the outage are remembered and, once it is back, put back in the queue at once (fenced by their
 * lease epoch) rather than left to lease expiry. An attempt whose lease could not be renewed in
 * time — the database is away, or unreachable behind a partition — is stopped before the lease
 * runs out: another worker may own the job by then.
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
  /** Attempts cut off by a store outage, to put back in the queue once it is back. */
  readonly #interrupted = new Map<string, InterruptedJob>();
  #recovering: Promise<void> | undefined;
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
    const stopWatching = store.onHealthChange((health) => this.#onHealth(health));
    this.#unlisten.push(async () => stopWatching());
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
    // Jobs an outage cut off go back to the queue now, if the store is back: not at lease expiry.
    if (services.store.health.state === 'up') {
      this.#recover();
      await this.#recovering;
    }
    this.#started = false;
  }

  /** Looks for due jobs now (coalesces with a claim already under way). */
  wake(): void {
    // While the store is away, claiming would only fail: its return wakes the worker.
    if (!this.#started || this.#stopping || this.#deps.services.store.health.state === 'down') return;
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
    const { logger } = this.#deps.services;
    try {
      for (;;) {
        const wanted = this.#wanted();
        if (wanted <= 0 || this.#stopping) return;
        const request = this.#claimRequest(wanted);
        const claimed = await claim(request);
        this.#deps.services.bus.publish(claimed.map((c) => c.started));
        // The lease runs from the claim's own clock reading.
        for (const job of claimed) this.#ready.push({ job, at: request.now });
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
      const { job, at } = this.#ready.shift()!;
      this.#start(job, at);
    }
  }

  /** Runs a claimed job; `claimedAt` (the runtime's clock) is when its lease began. */
  #start(claimed: ClaimedJob, claimedAt?: number): Attempt {
    const { services } = this.#deps;
    const pipeline = this.#pipelines.get(claimed.row.pipeline)!;
    const attempt = new Attempt(services, claimed, pipeline);
    if (claimedAt !== undefined) attempt.leaseUntil = claimedAt + services.options.leaseMs;
    this.#active.set(claimed.row.id, attempt);
    // The slot frees as soon as the outcome is queued: the next job starts while it commits.
    attempt.onOutcome = () => this.#release(attempt);
    const done = runAttempt(this.#deps, attempt).then((outcome) => {
      services.logger.debug({ jobId: attempt.ref.id, epoch: attempt.ref.epoch, outcome }, 'attempt ended');
      this.#release(attempt);
      this.#running.delete(done);
      this.#onAttemptEnd(attempt, outcome);
      if (outcome === 'retry-scheduled' || outcome === 'parked') this.#noteDue();
      if (outcome === 'interrupted' || (outcome === 'abandoned' && services.store.health.state === 'down')) {
        this.#interrupted.set(attempt.ref.id, { id: attempt.ref.id, epoch: attempt.ref.epoch });
        // The outage may already be over (a brief one): then put it back now.
        if (services.store.health.state === 'up') this.#recover();
      }
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
   * stops), stops attempts whose lease could not be renewed in time, and hands back claimed jobs
   * that waited too long for a slot. Renewals are not waited for: a renewal stuck behind a
   * partition must not hold up the lease watchdog.
   */
  #heartbeat(): void {
    const { clock, options, logger, store } = this.#deps.services;
    const now = clock.now();
    const stale = now - options.heartbeatMs;
    while (this.#ready.length > 0 && this.#ready[0]!.at <= stale) {
      this.#start(this.#ready.shift()!.job).abort(new WorkerStopping());
    }
    // Attempts still finishing (compensating after a cancel) keep their lease too.
    const attempts = [...this.#active.values()].filter(
      (a) => !(isHoldfastError(a.scope.reason) && a.scope.reason.code === 'LEASE_LOST'),
    );
    // Stop before the lease runs out, with a margin for timers that fire late on a busy machine —
    // when the database is away, or a renewal was sent and is still unanswered (a partition). A
    // heartbeat merely late (a busy event loop) renews below instead; fencing covers the rest.
    const margin = options.heartbeatMs / 4;
    const away = store.health.state === 'down';
    for (const attempt of attempts) {
      if (now < attempt.leaseUntil - margin || !(away || attempt.renewing)) continue;
      attempt.abort(
        holdfastError(
          'LEASE_LOST',
          { jobId: attempt.ref.id, workerId: this.#deps.services.workerId },
          {
            message: `The lease of job ${attempt.ref.id} could not be renewed in time (the database did not answer); the attempt stopped so that another worker can take the job over`,
          },
        ),
      );
    }
    if (store.health.state === 'down') return;
    for (const attempt of attempts) {
      if (attempt.renewing || attempt.scope.aborted) continue;
      attempt.renewing = true;
      const sentAt = clock.now();
      attempt
        .commit({ kind: 'heartbeat' })
        .then(
          (result) => {
            attempt.leaseUntil = Math.max(attempt.leaseUntil, sentAt + options.leaseMs);
            if (result.cancelRequested) attempt.abort(holdfastError('CANCELLED', { jobId: attempt.ref.id }));
          },
          (error: unknown) => {
            if (isHoldfastError(error) && error.code === 'LEASE_LOST') attempt.abort(error);
            else logger.warn({ err: error, jobId: attempt.ref.id }, 'lease renewal failed');
          },
        )
        .finally(() => {
          attempt.renewing = false;
        });
    }
  }

  #onHealth(health: StoreHealth): void {
    if (health.state === 'down' || !this.#started || this.#stopping) return;
    this.#recover();
    this.wake();
  }

  /** Puts the attempts cut off by an outage back in the queue (fenced); keeps those it could not. */
  #recover(): void {
    if (this.#recovering !== undefined || this.#interrupted.size === 0) return;
    const { services } = this.#deps;
    const jobs = [...this.#interrupted.values()];
    this.#recovering = requeueInterrupted(services.store, jobs, {
      now: services.clock.now(),
      workerId: services.workerId,
      origin: services.store.shared ? services.bus.origin : undefined,
      error: holdfastError('DATABASE_UNAVAILABLE', {
        database: services.store.description,
        reason: 'terminated',
        operation: 'step',
      }).serialize(),
    })
      .then((events) => {
        for (const job of jobs) if (this.#interrupted.get(job.id) === job) this.#interrupted.delete(job.id);
        services.bus.publish(events);
        if (events.length > 0) this.wake();
      })
      .catch((error: unknown) =>
        services.logger.warn({ err: error }, 'could not put back the jobs an outage cut off; trying again'),
      )
      .finally(() => {
        this.#recovering = undefined;
        // Attempts that ended while this round ran (they were still finishing their step) go next.
        const round = new Set(jobs);
        if (
          [...this.#interrupted.values()].some((job) => !round.has(job)) &&
          services.store.health.state === 'up'
        )
          this.#recover();
      });
  }

  /** Claims jobs of dead workers (lease expired); they resume at their last checkpoint (G5). */
  async #takeover(): Promise<void> {
    const free = this.#deps.services.options.concurrency - this.#active.size - this.#ready.length;
    if (free <= 0 || this.#stopping || this.#deps.services.store.health.state === 'down') return;
    try {
      const request = this.#claimRequest(free);
      const claimed = await takeover(request);
      this.#deps.services.bus.publish(claimed.map((c) => c.started));
      for (const job of claimed) this.#start(job, request.now);
    } catch (error) {
      this.#deps.services.logger.warn({ err: error }, 'taking over expired jobs failed');
    }
  }
}
