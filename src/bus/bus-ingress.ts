import type { Holdfast } from '../runtime/holdfast.js';
import { internalsOf } from '../runtime/internals.js';
import type { Logger } from '../runtime/logger.js';
import type { BusAdapter } from './bus-adapter.js';
import { type BrokerKind, type BusOptions, resolveBusOptions } from './bus-options.js';
import { createAdapter } from './create-adapter.js';
import { DatabaseGate } from './database-gate.js';
import { outcomeMessage, type PublishOutcome } from './job-outcome.js';
import { ResultsTracker } from './results-tracker.js';
import { RouteIntake, type RouteStats } from './route-intake.js';

export interface BusIngressContext {
  /** Default: the instance's logger. */
  readonly logger?: Logger;
  /** Aborting it stops the ingress (as `stop()` with the default grace). */
  readonly signal?: AbortSignal;
  /** Replaces the adapter made from `source` (another broker, e.g. Kafka). */
  readonly adapter?: BusAdapter;
  /** Replaces publishing outcomes straight to the broker (the notifications outbox will). */
  readonly publishOutcome?: PublishOutcome;
}

export type BusState = 'running' | 'paused' | 'stopping' | 'stopped';

export interface BusStatus {
  /** `paused` while the database is away: nothing is pulled, messages in hand wait. */
  readonly state: BusState;
  readonly broker: { readonly kind: BrokerKind; readonly url: string; readonly connected: boolean };
  /** Messages delivered and not yet acknowledged, and the most allowed. */
  readonly inflight: { readonly current: number; readonly limit: number };
  readonly routes: readonly Readonly<RouteStats>[];
  readonly results: { readonly published: number; readonly pending: number; readonly failed: number };
}

export interface BusIngress {
  /**
   * Stops pulling, gives messages in hand `graceMs` (default 10 s) to be submitted and
   * acknowledged, gives the rest back to the broker, then closes the connection. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  status(): BusStatus;
}

const defaultGraceMs = 10_000;

/**
 * Consumes the routes of `options` into jobs of `hf`: message → idempotent submit → acknowledge.
 * Resolves once connected and consuming; rejects with CONFIG_INVALID for a bad option, and with
 * BUS_UNREACHABLE / BUS_REFUSED when the broker cannot be used (nothing is consumed then).
 *
 * At least once from the broker, exactly once in effect: a message is acknowledged only after its
 * job committed, or after it was recognised as a duplicate within the idempotency window (7 days
 * by default), or after its dead letter was stored. A process that dies before acknowledging
 * gets its messages delivered again, to itself or another, and they make no second job.
 */
export async function startBusIngress(
  hf: Holdfast,
  options: BusOptions,
  context: BusIngressContext = {},
): Promise<BusIngress> {
  const internals = internalsOf(hf);
  const resolved = resolveBusOptions(options, new Set(internals.pipelines.keys()));
  const services = await internals.open();
  const logger = context.logger ?? services.logger;
  const adapter = context.adapter ?? createAdapter(resolved, logger);
  const abandon = new AbortController();
  let state: BusState = 'running';

  await adapter.connect();
  let results: ResultsTracker | undefined;
  let database: DatabaseGate | undefined;
  try {
    for (const route of resolved.routes) {
      await adapter.prepareDestination(route.deadLetter);
      if (route.results !== undefined) await adapter.prepareDestination(route.results);
    }
    if (resolved.routes.some((r) => r.results !== undefined)) {
      const publish: PublishOutcome =
        context.publishOutcome ??
        ((outcome) => adapter.publish(outcome.destination, outcomeMessage(outcome)));
      results = new ResultsTracker(hf, publish, logger);
      results.start();
    }
    database = new DatabaseGate(
      services.store,
      (up) => {
        if (state === 'stopping' || state === 'stopped') return;
        state = up ? 'running' : 'paused';
        if (up) adapter.resume();
        else adapter.pause();
      },
      logger,
    );
    const gate = database;
    const intakes = resolved.routes.map(
      (route) =>
        new RouteIntake({
          hf,
          route,
          adapter,
          database: gate,
          results,
          batchSize: resolved.batchSize,
          logger,
          abandon: abandon.signal,
        }),
    );
    for (const [index, route] of resolved.routes.entries()) {
      const intake = intakes[index]!;
      await adapter.consume({ from: route.from, consumer: route.consumer }, (delivery) =>
        intake.accept(delivery),
      );
    }
    logger.info(
      { broker: adapter.broker, url: adapter.url, routes: resolved.routes.map((r) => r.from) },
      'bus: consuming',
    );

    let stopping: Promise<void> | undefined;
    const stop = (graceMs = defaultGraceMs): Promise<void> => {
      stopping ??= (async () => {
        state = 'stopping';
        adapter.pause();
        const idle = Promise.all(intakes.map((i) => i.whenIdle()));
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
        clearTimeout(timer);
        abandon.abort(new Error('bus stopped'));
        await Promise.all(intakes.map((i) => i.abandon()));
        await results?.stop(Math.min(graceMs, 5_000));
        await gate.close();
        await adapter.close();
        state = 'stopped';
      })();
      return stopping;
    };
    const onAbort = () => void stop();
    context.signal?.addEventListener('abort', onAbort, { once: true });
    if (context.signal?.aborted) onAbort();

    return {
      stop: async (stopOptions = {}) => {
        context.signal?.removeEventListener('abort', onAbort);
        await stop(stopOptions.graceMs);
      },
      status: () => {
        const routes = intakes.map((i) => ({ ...i.stats, deadLettered: { ...i.stats.deadLettered } }));
        return {
          state,
          broker: { kind: adapter.broker, url: adapter.url, connected: adapter.connected },
          inflight: { current: routes.reduce((n, r) => n + r.inHand, 0), limit: resolved.inflight },
          routes,
          results: {
            published: results?.published ?? 0,
            pending: results?.pending ?? 0,
            failed: results?.failed ?? 0,
          },
        };
      },
    };
  } catch (error) {
    await results?.stop(0);
    await database?.close();
    await adapter.close();
    throw error;
  }
}
