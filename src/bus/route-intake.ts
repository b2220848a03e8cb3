import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { Holdfast } from '../runtime/holdfast.js';
import type { Logger } from '../runtime/logger.js';
import type { SubmitResult } from '../runtime/submit.js';
import { sleep } from '../time/sleep.js';
import type { BusAdapter, Delivery } from './bus-adapter.js';
import type { ResolvedRoute } from './bus-options.js';
import type { DatabaseGate } from './database-gate.js';
import { deadLetterMessage } from './dead-letter.js';
import { readMessage, type Submission } from './read-message.js';
import { reconnectDelay } from './reconnect-delay.js';
import type { ResultsTracker } from './results-tracker.js';
import { failureAction } from './submit-failure.js';

/** Counters of one route, as `status()` shows them. */
export interface RouteStats {
  readonly from: string;
  readonly pipeline: string;
  /** Messages delivered by the broker (redeliveries included). */
  received: number;
  /** Jobs created. */
  submitted: number;
  /** Messages recognised as duplicates of a job within the idempotency window. */
  duplicates: number;
  /** Jobs created parked (`waiting`: budget in `wait` mode, or a later `runAt`). */
  parked: number;
  /** Messages published to `deadLetter`, by error code. */
  deadLettered: Record<string, number>;
  acknowledged: number;
  /** Messages given back to the broker unhandled (at stop). */
  released: number;
  /** Delivered and not yet acknowledged or given back. */
  inHand: number;
}

export interface RouteIntakeContext {
  readonly hf: Holdfast;
  readonly route: ResolvedRoute;
  readonly adapter: BusAdapter;
  readonly database: DatabaseGate;
  readonly results: ResultsTracker | undefined;
  readonly batchSize: number;
  readonly logger: Logger;
  /** Aborts when the ingress gives up on messages in hand (stop, after its grace period). */
  readonly abandon: AbortSignal;
}

interface Pending {
  readonly delivery: Delivery;
  readonly submission: Submission;
  /** Idempotency keys are per tenant: this is the unit that must not be in two batches at once. */
  readonly scopeKey: string;
}

/**
 * Submission transactions of one route in flight at once: while one commits the next is filled,
 * which is where throughput comes from (group commit).
 */
const concurrentBatches = 2;

/**
 * One route's way from delivery to acknowledgement. Messages are read (map, key), grouped into
 * `submitMany` transactions, and each is acknowledged once its job committed or was recognised as
 * a duplicate, or once its dead letter was stored. Two messages with the same key are never in
 * flight together: the second waits for the first's outcome and is then recognised as its
 * duplicate (and two transactions never wait on each other's keys). Keys are submitted in sorted
 * order, so concurrent batches take their row locks in one order and cannot deadlock.
 */
export class RouteIntake {
  readonly stats: RouteStats;
  readonly #context: RouteIntakeContext;
  #queue: Pending[] = [];
  /** Keys in a batch now, with the messages waiting for that batch to end. */
  readonly #keysInFlight = new Map<string, Pending[]>();
  readonly #work = new Set<Promise<void>>();
  #activeBatches = 0;
  #scheduled = false;
  readonly #idle = new Set<() => void>();

  constructor(context: RouteIntakeContext) {
    this.#context = context;
    this.stats = {
      from: context.route.from,
      pipeline: context.route.pipeline,
      received: 0,
      submitted: 0,
      duplicates: 0,
      parked: 0,
      deadLettered: {},
      acknowledged: 0,
      released: 0,
      inHand: 0,
    };
  }

  /** Takes a delivery from the adapter. */
  accept(delivery: Delivery): void {
    this.stats.received += 1;
    this.stats.inHand += 1;
    this.#track(this.#read(delivery));
  }

  /** Resolves when no message is in hand. */
  whenIdle(): Promise<void> {
    if (this.stats.inHand === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** Gives back what never reached a batch, and waits for the batches under way to end. */
  async abandon(): Promise<void> {
    const queued = [...this.#queue, ...[...this.#keysInFlight.values()].flat()];
    this.#queue = [];
    for (const waiters of this.#keysInFlight.values()) waiters.length = 0;
    for (const pending of queued) this.#release(pending.delivery);
    await Promise.allSettled([...this.#work]);
  }

  async #read(delivery: Delivery): Promise<void> {
    const intake = await readMessage(this.#context.route, delivery);
    if (intake.kind === 'refuse') {
      await this.#deadLetter(delivery, intake.error, intake.idempotencyKey, intake.correlationId);
      return;
    }
    const { submission } = intake;
    this.#enqueue({
      delivery,
      submission,
      scopeKey: `${submission.tenant ?? ''}\u0000${submission.idempotencyKey}`,
    });
  }

  #enqueue(pending: Pending): void {
    if (this.#context.abandon.aborted) {
      this.#release(pending.delivery);
      return;
    }
    const waiters = this.#keysInFlight.get(pending.scopeKey);
    if (waiters) waiters.push(pending);
    else {
      this.#queue.push(pending);
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the current I/O callbacks: messages that arrived together go in one batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const { batchSize } = this.#context;
    while (this.#queue.length > 0 && this.#activeBatches < concurrentBatches) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      for (const pending of this.#queue) {
        if (batch.length >= batchSize) rest.push(pending);
        else if (this.#keysInFlight.has(pending.scopeKey))
          this.#keysInFlight.get(pending.scopeKey)!.push(pending);
        else {
          this.#keysInFlight.set(pending.scopeKey, []);
          batch.push(pending);
        }
      }
      this.#queue = rest;
      if (batch.length === 0) return;
      batch.sort((a, b) => (a.scopeKey < b.scopeKey ? -1 : a.scopeKey > b.scopeKey ? 1 : 0));
      this.#activeBatches += 1;
      this.#track(
        this.#submit(batch).finally(() => {
          this.#activeBatches -= 1;
          for (const pending of batch) {
            const waiters = this.#keysInFlight.get(pending.scopeKey) ?? [];
            this.#keysInFlight.delete(pending.scopeKey);
            for (const waiter of waiters) this.#enqueue(waiter);
          }
          this.#schedule();
        }),
      );
    }
  }

  /** Submits a batch until it commits, its messages are dead-lettered, or the ingress gives up. */
  async #submit(batch: readonly Pending[]): Promise<void> {
    const { hf, route, database, abandon, logger } = this.#context;
    for (let failures = 0; ; ) {
      if (abandon.aborted) {
        for (const pending of batch) this.#release(pending.delivery);
        return;
      }
      let results: SubmitResult[];
      try {
        results = await hf.submitMany(
          route.pipeline,
          batch.map(({ submission: s }) => ({
            input: s.input as never,
            options: { tenant: s.tenant, idempotencyKey: s.idempotencyKey, runAt: s.runAt },
          })),
        );
      } catch (thrown) {
        const error = asHoldfastError(thrown);
        const action = failureAction(error, batch.length);
        switch (action) {
          case 'dead-letter': {
            const { delivery, submission } = batch[0]!;
            await this.#deadLetter(delivery, error, submission.idempotencyKey, submission.correlationId);
            return;
          }
          case 'split':
            await Promise.all(batch.map((pending) => this.#submit([pending])));
            return;
          case 'wait-for-database':
            await database.waitUntilUp(abandon).catch(() => {});
            continue;
          case 'retry':
            failures += 1;
            logger[failures === 1 ? 'warn' : 'debug'](
              { err: error, route: route.from, messages: batch.length, failures },
              `bus: could not submit messages of ${route.from} (${error.code}); they stay in hand and are tried again`,
            );
            await sleep(reconnectDelay(failures), { signal: abandon }).catch(() => {});
            continue;
          default: {
            const never: never = action;
            throw new Error(`unknown action ${String(never)}`);
          }
        }
      }
      for (const [index, result] of results.entries()) this.#submitted(batch[index]!, result);
      return;
    }
  }

  #submitted(pending: Pending, result: SubmitResult): void {
    if (result.deduplicated) this.stats.duplicates += 1;
    else {
      this.stats.submitted += 1;
      if (result.state === 'waiting') this.stats.parked += 1;
    }
    const { route, results } = this.#context;
    if (results && route.results !== undefined) {
      results.track(result.id, result.state, {
        destination: route.results,
        correlationId: pending.submission.correlationId,
        idempotencyKey: pending.submission.idempotencyKey,
      });
    }
    this.#ack(pending.delivery);
  }

  /** Publishes the refusal to `deadLetter` (until the broker stores it), then acknowledges. */
  async #deadLetter(
    delivery: Delivery,
    error: HoldfastError,
    idempotencyKey: string | undefined,
    correlationId: string | undefined,
  ): Promise<void> {
    const { adapter, route, abandon, logger } = this.#context;
    const message = deadLetterMessage(
      route,
      delivery.message,
      idempotencyKey,
      correlationId,
      error,
      Date.now(),
    );
    for (let failures = 0; ; ) {
      if (abandon.aborted) return this.#release(delivery);
      try {
        await adapter.publish(route.deadLetter, message);
        break;
      } catch (publishError) {
        failures += 1;
        logger[failures === 1 ? 'warn' : 'debug'](
          { err: publishError, deadLetter: route.deadLetter, failures },
          `bus: could not publish a dead letter to ${route.deadLetter}; the message stays in hand`,
        );
        await sleep(reconnectDelay(failures), { signal: abandon }).catch(() => {});
      }
    }
    this.stats.deadLettered[error.code] = (this.stats.deadLettered[error.code] ?? 0) + 1;
    logger.info(
      { code: error.code, route: route.from, key: idempotencyKey, deadLetter: route.deadLetter },
      `bus: message refused (${error.message}); sent to ${route.deadLetter}`,
    );
    this.#ack(delivery);
  }

  #ack(delivery: Delivery): void {
    delivery.ack();
    this.stats.acknowledged += 1;
    this.#settled();
  }

  #release(delivery: Delivery): void {
    delivery.release();
    this.stats.released += 1;
    this.#settled();
  }

  #settled(): void {
    this.stats.inHand -= 1;
    if (this.stats.inHand > 0) return;
    for (const wake of this.#idle) wake();
    this.#idle.clear();
  }

  #track(work: Promise<void>): void {
    const tracked = work
      .catch((error: unknown) =>
        this.#context.logger.error(
          { err: error, route: this.#context.route.from },
          'bus: unexpected failure',
        ),
      )
      .finally(() => this.#work.delete(tracked));
    this.#work.add(tracked);
  }
}

function asHoldfastError(thrown: unknown): HoldfastError {
  if (isHoldfastError(thrown)) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return holdfastError('INTERNAL', { reason }, { cause: thrown });
}
