import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaults } from '../config/defaults.js';
import { resolveWorkerOptions, type WorkerOptions } from '../config/worker-options.js';
import { configError } from '../errors/config-error.js';
import { holdfastError } from '../errors/holdfast-error.js';
import { EventBus, type EventFilter, type EventListener } from '../events/event-bus.js';
import { appendEvents, type ReplayOptions, replayEvents } from '../events/event-log.js';
import type { AnyHoldfastEvent, AnyNewEvent } from '../events/event-map.js';
import { type BudgetOptions, resolveBudgets } from '../ledger/budget-config.js';
import { Ledger } from '../ledger/ledger.js';
import { creditAccount, type ResetPlan, resetAccounts, setAccountLimit } from '../ledger/ledger-admin.js';
import {
  type AccountStatus,
  accountStatus,
  type EstimateReport,
  estimateReport,
  type UsageReport,
  usageReport,
} from '../ledger/ledger-reports.js';
import type { BudgetGate } from '../providers/budget-gate.js';
import type { ProviderClient } from '../providers/provider-client.js';
import type { ProviderOptions } from '../providers/provider-config.js';
import { createProviders } from '../providers/provider-registry.js';
import type { BreakerEvent } from '../resilience/circuit-breaker.js';
import { migrate } from '../store/migrate.js';
import { openStore } from '../store/open-store.js';
import { assertSchemaCurrent } from '../store/schema-status.js';
import type { Store } from '../store/store.js';
import { type Clock, systemClock } from '../time/clock.js';
import { type Duration, parseDuration } from '../time/duration.js';
import { budgetHooks } from './budget-hooks.js';
import { registerInternals } from './internals.js';
import type { Job } from './job.js';
import { JobCommitter } from './job-committer.js';
import { createJobsApi, type JobListFilter, type JobPage, type RetryOptions } from './jobs-api.js';
import { defaultLogger, type Logger } from './logger.js';
import { logOutages, quietDuringOutages } from './outage-log.js';
import type { AnyPipeline, Pipeline, PipelineInput } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';
import { type SubmitOptions, type SubmitResult, submitJobs } from './submit.js';
import { validateInput } from './validate-input.js';
import { Worker } from './worker.js';

/** The runtime's options; `createHoldfast` (src/holdfast) adds the bus and notifications. */
export interface RuntimeOptions {
  /** A PostgreSQL URL, a directory for the embedded database (e.g. '.holdfast'), or 'memory://'. */
  readonly database: string | Store;
  readonly pipelines: readonly AnyPipeline[];
  readonly worker?: WorkerOptions;
  /** How long an idempotency key is remembered (default 7 days). */
  readonly idempotencyTtl?: Duration;
  readonly logger?: Logger;
  /** Time source (a FakeClock in tests). */
  readonly clock?: Clock;
  /** Randomness for retry jitter (seeded in tests). */
  readonly random?: () => number;
  /**
   * Apply database migrations at start (default true). With `false`, the schema must already be
   * current: opening fails with SCHEMA_NOT_MIGRATED instead of changing the database.
   */
  readonly migrate?: boolean;
  /** Paid APIs, each behind its guarded client: `{ openai: { kind: 'openai', apiKey } }`. */
  readonly providers?: Readonly<Record<string, ProviderOptions>>;
  /** Budgets: accounts, tenant templates, thresholds, pricing. Calls are metered even without. */
  readonly budgets?: BudgetOptions;
  /** Replaces the ledger as the place calls reserve and settle budget (tests). */
  readonly budgetGate?: BudgetGate;
}

/** Lets a caller give up waiting: aborting rejects with the signal's reason. */
export interface Abortable {
  readonly signal?: AbortSignal | undefined;
}

export interface Holdfast {
  /** Opens the database and applies migrations; other methods call it as needed. */
  ready(): Promise<void>;
  /** Starts this process's worker: it claims and runs due jobs. */
  start(): Promise<void>;
  /**
   * Stops the worker: running jobs get `graceMs` (default 10 s) to finish, then go back to the
   * queue; aborting `signal` ends the grace period at once. Returns at once when nothing runs.
   */
  stop(options?: { graceMs?: number } & Abortable): Promise<void>;
  /** Submits a job; `pipeline` is the definition or its name. */
  submit<P extends AnyPipeline>(
    pipeline: P | string,
    input: PipelineInput<P>,
    options?: SubmitOptions & Abortable,
  ): Promise<SubmitResult>;
  /** Submits many jobs of one pipeline in one transaction (all or nothing). */
  submitMany<P extends AnyPipeline>(
    pipeline: P | string,
    items: ReadonlyArray<{ input: PipelineInput<P>; options?: SubmitOptions }>,
    options?: Abortable,
  ): Promise<SubmitResult[]>;
  readonly jobs: {
    get(id: string, options?: Abortable): Promise<Job>;
    list(filter?: JobListFilter, options?: Abortable): Promise<JobPage>;
    retry(id: string, options?: RetryOptions & Abortable): Promise<Job>;
    cancel(id: string, options?: { reason?: string } & Abortable): Promise<Job>;
  };
  readonly events: {
    subscribe(filter: EventFilter, listener: EventListener): () => void;
    replay(options: ReplayOptions): Promise<AnyHoldfastEvent[]>;
  };
  /** What a job would cost against what is left, per meter, before submitting it. */
  estimate<P extends AnyPipeline>(
    pipeline: P | string,
    input: PipelineInput<P>,
    options?: { tenant?: string } & Abortable,
  ): Promise<EstimateReport>;
  readonly budgets: {
    /** Every account (or one tenant's and the global ones): used, limit, remaining, reset time. */
    status(filter?: { tenant?: string }): Promise<AccountStatus[]>;
    /** Usage over the last N days (default 7): totals and daily averages per provider. */
    usage(options?: { days?: number; tenant?: string }): Promise<UsageReport>;
    /** Adds to an account's current period (a bucket: tokens into it); returns the account after. */
    credit(target: { scope: string; meter: string; period?: string; amount: number }): Promise<AccountStatus>;
    /** Overrides an account's limit (a tenant's too); configuration no longer changes it. */
    setLimit(target: {
      scope: string;
      meter: string;
      period?: string;
      limit: number;
    }): Promise<AccountStatus>;
    reset(options: {
      period: 'day' | 'month';
      tenant?: string;
      dryRun?: boolean;
      force?: boolean;
    }): Promise<ResetPlan>;
    /** Cleans up holds of ended jobs and dead calls now (it also runs by itself). */
    reap(): Promise<{ releasedJobs: number; reapedCalls: number }>;
  };
  /** The guarded clients, by name: `hf.providers.openai.request({ path, body })` outside pipelines. */
  readonly providers: Readonly<Record<string, ProviderClient>>;
  /** Stops the worker, commits what is queued, and closes the database. */
  close(): Promise<void>;
}

/**
 * The runtime: pipelines, jobs, workers, budgets and providers on one database. Returns at once;
 * the database is opened on first use (or `ready()`). The library's front door, createHoldfast,
 * composes it with the layers above it.
 */
export function createRuntime(options: RuntimeOptions): Holdfast {
  const workerOptions = resolveWorkerOptions(options.worker);
  const ttlMs =
    options.idempotencyTtl === undefined
      ? defaults.idempotencyTtlMs
      : parseDuration(options.idempotencyTtl, 'idempotencyTtl');
  const pipelines = new Map<string, Pipeline>();
  for (const pipeline of options.pipelines) {
    if (pipelines.has(pipeline.name)) {
      throw configError(
        'pipelines',
        ['has two pipelines with the same name', 'contient deux pipelines du même nom'],
        pipeline.name,
      );
    }
    pipelines.set(pipeline.name, pipeline as Pipeline);
  }
  const clock = options.clock ?? systemClock;
  const rawLogger = options.logger ?? defaultLogger();
  const logger = quietDuringOutages(rawLogger);
  const budgets = resolveBudgets(options.budgets);
  const ledger = new Ledger({
    budgets,
    clock,
    providerKinds: new Map(Object.entries(options.providers ?? {}).map(([name, o]) => [name, o.kind])),
    onError: (error, what) => logger.warn({ err: error }, `budgets: could not ${what}`),
  });
  const budget = budgetHooks(ledger, pipelines);
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  let services: RuntimeServices | undefined;
  // Provider clients need no database: they exist from the start. Breaker transitions become
  // provider events once the store is open.
  const onBreakerEvent = (provider: string, event: BreakerEvent) => {
    const record = breakerRecord(provider, event, clock.now());
    if (!record) return;
    void open()
      .then(async (s) =>
        s.bus.publish(
          await appendEvents(s.store, [record], s.store.shared ? { origin: workerId } : undefined),
        ),
      )
      .catch((error: unknown) =>
        logger.warn({ err: error, provider }, 'could not record a circuit breaker event'),
      );
  };
  const providerClients = createProviders(options.providers ?? {}, {
    clock,
    // Calls made before the database is open wait for it (and fail with it).
    gate: options.budgetGate ?? openingGate(ledger.gate, () => open()),
    random: options.random,
    onBreakerEvent,
  });
  let worker: Worker | undefined;
  let opening: Promise<RuntimeServices> | undefined;
  let closed = false;
  let stopOutageLog: (() => void) | undefined;

  const open = (): Promise<RuntimeServices> => {
    if (closed) return Promise.reject(holdfastError('SHUTTING_DOWN', {}));
    opening ??= (async () => {
      const store =
        typeof options.database === 'string'
          ? await openStore(options.database, storeTimeouts(workerOptions.leaseMs))
          : options.database;
      stopOutageLog = logOutages(store, rawLogger);
      try {
        if (options.migrate === false) await assertSchemaCurrent(store);
        else await migrate(store);
        const bus = new EventBus(store, workerId, (error) =>
          logger.warn({ err: error }, 'event subscriber failed'),
        );
        await bus.start();
        await ledger.attach({ store, bus, origin: workerId });
        const committer = new JobCommitter({
          store,
          bus,
          clock,
          origin: workerId,
          leaseMs: workerOptions.leaseMs,
          batchSize: workerOptions.batchSize,
        });
        services = {
          store,
          bus,
          committer,
          clock,
          options: workerOptions,
          workerId,
          logger,
          random: options.random ?? Math.random,
        };
        worker = new Worker({ services, providers: providerClients, budget }, pipelines);
        return services;
      } catch (error) {
        stopOutageLog?.();
        if (typeof options.database === 'string')
          await store
            .close()
            .catch((closeError: unknown) =>
              logger.warn({ err: closeError }, 'could not close the database after a failed open'),
            );
        throw error;
      }
    })();
    opening.catch(() => {
      opening = undefined;
    });
    return opening;
  };

  const resolvePipeline = (pipeline: Pipeline | string): Pipeline => {
    const name = typeof pipeline === 'string' ? pipeline : pipeline?.name;
    const found = name === undefined ? undefined : pipelines.get(name);
    if (found === undefined) {
      throw holdfastError('NOT_FOUND', { kind: 'pipeline', id: String(name), known: [...pipelines.keys()] });
    }
    return found;
  };

  /** Operator actions may name a tenant before its first job: its accounts are made first. */
  const ensureTenantOf = async (scope: string) => {
    if (scope.startsWith('tenant:')) await ledger.ensureTenant(scope.slice('tenant:'.length));
  };

  const jobsApi = async (signal: AbortSignal | undefined) => {
    signal?.throwIfAborted();
    const s = await open();
    signal?.throwIfAborted();
    return createJobsApi({
      services: s,
      pipelines,
      budget,
      cancelLocal: (id, reason) => worker?.cancelLocal(id, reason),
      wake: () => worker?.wake(),
    });
  };

  const submitMany: Holdfast['submitMany'] = async (pipeline, items, submitOptions = {}) => {
    const resolved = resolvePipeline(pipeline as Pipeline | string);
    const s = await open();
    return submitJobs(
      {
        services: s,
        idempotencyTtlMs: ttlMs,
        budget,
        onSubmitted: () => worker?.wake(),
        signal: submitOptions.signal,
      },
      resolved,
      items,
    );
  };

  const hf: Holdfast = {
    async ready() {
      await open();
    },
    async start() {
      await open();
      await worker!.start();
    },
    async stop(stopOptions = {}) {
      await worker?.stop(stopOptions.graceMs ?? defaults.worker.graceMs, stopOptions.signal);
    },
    async submit(pipeline, input, submitOptions = {}) {
      const { signal, ...rest } = submitOptions;
      const [result] = await submitMany(pipeline, [{ input, options: rest }], { signal });
      return result!;
    },
    submitMany,
    jobs: {
      get: async (id, o = {}) => (await jobsApi(o.signal)).get(id),
      list: async (filter, o = {}) => (await jobsApi(o.signal)).list(filter),
      retry: async (id, o = {}) => (await jobsApi(o.signal)).retry(id, o),
      cancel: async (id, o = {}) => (await jobsApi(o.signal)).cancel(id, o),
    },
    events: {
      subscribe(filter, listener) {
        if (services) return services.bus.subscribe(filter, listener);
        // Not open yet: subscribe as soon as it is.
        let unsubscribe: (() => void) | undefined;
        let cancelled = false;
        open().then(
          (s) => {
            if (!cancelled) unsubscribe = s.bus.subscribe(filter, listener);
          },
          (error: unknown) => logger.warn({ err: error }, 'could not subscribe: the database did not open'),
        );
        return () => {
          cancelled = true;
          unsubscribe?.();
        };
      },
      async replay(replayOptions) {
        const s = await open();
        return replayEvents(s.store, replayOptions);
      },
    },
    async estimate(pipeline, input, estimateOptions = {}) {
      estimateOptions.signal?.throwIfAborted();
      const resolved = resolvePipeline(pipeline as Pipeline | string);
      const validated = await validateInput(resolved.inputSchema, input);
      const s = await open();
      estimateOptions.signal?.throwIfAborted();
      return estimateReport(s.store, budgets, clock.now(), {
        pipeline: resolved.name,
        tenant: estimateOptions.tenant ?? null,
        estimate: resolved.estimate?.(validated) ?? {},
        caps: resolved.budget,
      });
    },
    budgets: {
      status: async (filter) => accountStatus((await open()).store, budgets, clock.now(), filter),
      usage: async (usageOptions) => usageReport((await open()).store, clock.now(), usageOptions),
      credit: async (target) => {
        const s = await open();
        await ensureTenantOf(target.scope);
        return creditAccount(s.store, budgets, clock.now(), target);
      },
      setLimit: async (target) => {
        const s = await open();
        await ensureTenantOf(target.scope);
        return setAccountLimit(s.store, budgets, clock.now(), target);
      },
      reset: async (resetOptions) => resetAccounts((await open()).store, budgets, clock.now(), resetOptions),
      reap: async () => {
        await open();
        return ledger.reap();
      },
    },
    providers: Object.freeze(Object.fromEntries(providerClients)),
    async close() {
      if (closed) return;
      closed = true;
      // An open under way finishes first, so that nothing it starts is left running.
      const s = services ?? (await opening?.catch(() => undefined));
      await worker?.stop(0);
      await ledger.close();
      await Promise.all([...providerClients.values()].map((c) => c.close()));
      if (s) {
        await s.committer.close();
        await s.bus.stop();
        stopOutageLog?.();
        if (typeof options.database === 'string') await s.store.close();
      }
    },
  };
  registerInternals(hf, {
    open,
    pipelines,
    budgets,
    workerStatus: () => ({
      ...(worker?.status ?? { running: false, draining: false }),
      active: worker?.activeCount ?? 0,
      concurrency: workerOptions.concurrency,
    }),
  });
  return hf;
}

/** The provider event a breaker transition becomes, if any. */
function breakerRecord(provider: string, event: BreakerEvent, now: number): AnyNewEvent | undefined {
  if (event.type === 'opened') {
    return {
      type: 'provider:circuit-opened',
      jobId: null,
      seq: null,
      tenant: null,
      at: now,
      payload: {
        provider,
        failures: event.failures,
        retryAfterMs: event.retryAfterMs,
        reason: event.reason,
      },
    };
  }
  if (event.type === 'closed') {
    return {
      type: 'provider:circuit-closed',
      jobId: null,
      seq: null,
      tenant: null,
      at: now,
      payload: { provider },
    };
  }
  return undefined;
}

/**
 * PostgreSQL timeouts that follow the lease: a session left idle inside a transaction (its client
 * cut off) is ended by the server within a lease, so its row locks never keep another worker from
 * taking the job over; a query left unanswered by a partition fails after two leases (at least
 * 30 s, so that slow legitimate queries are not cut). The worker's own lease watchdog stops the
 * attempts themselves within the lease.
 */
function storeTimeouts(leaseMs: number) {
  return { idleInTransactionTimeoutMs: leaseMs, queryTimeoutMs: Math.max(30_000, 2 * leaseMs) };
}

/** A gate whose methods first make sure the database is open. */
function openingGate(gate: BudgetGate, open: () => Promise<unknown>): BudgetGate {
  return {
    available: async (context, meters) => {
      await open();
      return gate.available(context, meters);
    },
    reserve: async (context, cost) => {
      await open();
      return gate.reserve(context, cost);
    },
    settle: (hold, usage) => gate.settle(hold, usage),
    release: (hold) => gate.release(hold),
    observe: async (context, balances) => {
      await open();
      return gate.observe?.(context, balances);
    },
  };
}
