import { isHoldfastError } from '../errors/holdfast-error.js';
import type { Holdfast } from '../runtime/holdfast.js';
import type { JobState } from '../runtime/job.js';
import type { Logger } from '../runtime/logger.js';
import { sleep } from '../time/sleep.js';
import type { JobOutcome, PublishOutcome } from './job-outcome.js';
import { reconnectDelay } from './reconnect-delay.js';

/** What to publish when a job submitted from a message ends. */
export interface OutcomeTicket {
  readonly destination: string;
  readonly correlationId: string;
  readonly idempotencyKey: string;
}

/** Jobs that ended before their ticket arrived, remembered this many at most. */
const recentLimit = 10_000;

/**
 * Publishes the outcome of each job submitted from a message whose route has `results`, when the
 * job's terminal event arrives. A duplicate message of a job that already ended publishes that
 * outcome again (results are at least once; consumers key them on the job id or correlation id).
 *
 * NOT DURABLE YET: the tickets live in this process's memory, so the outcome of a job whose
 * submitting process stopped (or died) before the job ended is not published, and one whose
 * publish keeps failing until stop is lost. The notifications outbox will make this durable
 * behind the same PublishOutcome function.
 */
export class ResultsTracker {
  readonly #hf: Holdfast;
  readonly #publish: PublishOutcome;
  readonly #logger: Logger;
  readonly #pending = new Map<string, OutcomeTicket>();
  readonly #recentlyEnded = new Set<string>();
  readonly #work = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #unsubscribe: (() => void) | undefined;
  published = 0;
  failed = 0;

  constructor(hf: Holdfast, publish: PublishOutcome, logger: Logger) {
    this.#hf = hf;
    this.#publish = publish;
    this.#logger = logger;
  }

  start(): void {
    this.#unsubscribe = this.#hf.events.subscribe(
      { types: ['job:succeeded', 'job:failed', 'job:cancelled'] },
      (event) => {
        if (event.jobId !== null) this.#ended(event.jobId);
      },
    );
  }

  /** Jobs whose outcome is still to be published. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Called once the job's submission committed (or was found to be a duplicate). */
  track(jobId: string, state: JobState, ticket: OutcomeTicket): void {
    const ended = state === 'succeeded' || state === 'failed' || state === 'cancelled';
    if (ended || this.#recentlyEnded.delete(jobId)) this.#send(jobId, ticket);
    else this.#pending.set(jobId, ticket);
  }

  /** Stops listening; publishes under way get `graceMs` to finish. */
  async stop(graceMs: number): Promise<void> {
    this.#unsubscribe?.();
    const all = Promise.allSettled([...this.#work]);
    const timer = setTimeout(() => this.#stop.abort(new Error('bus stopped')), graceMs);
    await all;
    clearTimeout(timer);
    this.#stop.abort(new Error('bus stopped'));
  }

  #ended(jobId: string): void {
    const ticket = this.#pending.get(jobId);
    if (ticket) {
      this.#pending.delete(jobId);
      this.#send(jobId, ticket);
      return;
    }
    // The submit may not have returned yet: remember the job for a moment.
    this.#recentlyEnded.add(jobId);
    if (this.#recentlyEnded.size > recentLimit) {
      this.#recentlyEnded.delete(this.#recentlyEnded.values().next().value!);
    }
  }

  #send(jobId: string, ticket: OutcomeTicket): void {
    const work = this.#deliver(jobId, ticket).finally(() => this.#work.delete(work));
    this.#work.add(work);
  }

  async #deliver(jobId: string, ticket: OutcomeTicket): Promise<void> {
    const signal = this.#stop.signal;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const job = await this.#hf.jobs.get(jobId);
        if (job.state !== 'succeeded' && job.state !== 'failed' && job.state !== 'cancelled') return;
        const outcome: JobOutcome = {
          destination: ticket.destination,
          correlationId: ticket.correlationId,
          idempotencyKey: ticket.idempotencyKey,
          jobId,
          pipeline: job.pipeline,
          tenant: job.tenant,
          state: job.state,
          ...(job.state === 'succeeded' ? { output: job.output } : { error: job.error ?? undefined }),
          finishedAt: job.finishedAt ?? job.updatedAt,
        };
        await this.#publish(outcome);
        this.published += 1;
        return;
      } catch (error) {
        this.#logger[attempt === 1 ? 'warn' : 'debug'](
          { err: error, jobId, destination: ticket.destination, attempt },
          `bus: could not publish the outcome of job ${jobId}${isHoldfastError(error) ? ` (${error.code})` : ''}; trying again`,
        );
        await sleep(reconnectDelay(attempt), { signal }).catch(() => {});
      }
    }
    this.failed += 1;
    this.#logger.error(
      { jobId, destination: ticket.destination },
      `bus: the outcome of job ${jobId} was not published before stop (outcomes are not durable yet)`,
    );
  }
}
