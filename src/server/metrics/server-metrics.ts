import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { Holdfast } from '../../runtime/holdfast.js';
import type { HoldfastInternals } from '../../runtime/internals.js';
import type { RuntimeServices } from '../../runtime/runtime-services.js';
import { activeJobCounts, queueDepth } from '../queries/job-counts.js';
import type { LiveHub } from '../streams/live-hub.js';
import { ProviderLatency } from './provider-latency.js';

/** A job running in this process's worker, from its `job:started` to its end here. */
interface LocalJob {
  readonly pipeline: string;
  readonly startedAt: number;
}

const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Prometheus metrics of one process (prom-client, its own registry).
 *
 * Two kinds, aggregated differently when several processes are scraped:
 * - counters and histograms count what THIS process did — jobs its worker ran, their steps and
 *   provider calls, submissions it accepted — so `sum()` over processes gives the deployment;
 * - gauges read from the database (`holdfast_jobs`, `holdfast_queue_depth`, `holdfast_budget_*`)
 *   are the same in every process of a deployment: aggregate them with `max()`.
 * A worker's events are attributed to it through `job:started`'s workerId, so an API process that
 * sees every event of a shared PostgreSQL does not count the workers' jobs a second time.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly latency = new ProviderLatency();
  readonly #hf: Holdfast;
  readonly #internals: HoldfastInternals;
  readonly #services: RuntimeServices;
  readonly #local = new Map<string, LocalJob>();
  #unsubscribe: (() => void) | undefined;
  #snapshot: Promise<DatabaseSnapshot> | undefined;
  #snapshotAt = 0;

  readonly #submissions: Counter<'pipeline' | 'outcome'>;
  readonly #finished: Counter<'pipeline' | 'state'>;
  readonly #jobDuration: Histogram<'pipeline' | 'state'>;
  readonly #stepDuration: Histogram<'pipeline' | 'step' | 'outcome'>;
  readonly #calls: Counter<'provider' | 'outcome' | 'code'>;
  readonly #callDuration: Histogram<'provider' | 'outcome'>;
  readonly #retries: Counter<'pipeline' | 'source'>;
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(options: {
    hf: Holdfast;
    internals: HoldfastInternals;
    services: RuntimeServices;
    hub: LiveHub;
  }) {
    this.#hf = options.hf;
    this.#internals = options.internals;
    this.#services = options.services;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.#submissions = new Counter({
      name: 'holdfast_submissions_total',
      help: 'Jobs submitted through this process’s HTTP API (accepted, or an idempotent replay)',
      labelNames: ['pipeline', 'outcome'],
      registers,
    });
    this.#finished = new Counter({
      name: 'holdfast_jobs_finished_total',
      help: 'Jobs this process’s worker ran to an end, by final state',
      labelNames: ['pipeline', 'state'],
      registers,
    });
    this.#jobDuration = new Histogram({
      name: 'holdfast_job_duration_seconds',
      help: 'Run time of jobs this process’s worker ended (one attempt, from start to end)',
      labelNames: ['pipeline', 'state'],
      buckets: seconds,
      registers,
    });
    this.#stepDuration = new Histogram({
      name: 'holdfast_step_duration_seconds',
      help: 'Run time of steps this process’s worker ran (loop suffixes such as :3 removed from step names)',
      labelNames: ['pipeline', 'step', 'outcome'],
      buckets: seconds,
      registers,
    });
    this.#calls = new Counter({
      name: 'holdfast_provider_calls_total',
      help: 'Provider call attempts made by steps run here, by outcome (ok, retry, error, cached) and error code',
      labelNames: ['provider', 'outcome', 'code'],
      registers,
    });
    this.#callDuration = new Histogram({
      name: 'holdfast_provider_call_duration_seconds',
      help: 'Latency of provider call attempts made by steps run here',
      labelNames: ['provider', 'outcome'],
      buckets: seconds,
      registers,
    });
    this.#retries = new Counter({
      name: 'holdfast_retries_total',
      help: 'Retries scheduled for jobs run here, by what set the delay (a provider hint, or backoff)',
      labelNames: ['pipeline', 'source'],
      registers,
    });
    this.#httpRequests = new Counter({
      name: 'holdfast_http_requests_total',
      help: 'HTTP requests answered by this process',
      labelNames: ['method', 'route', 'status'],
      registers,
    });

    const snapshot = () => this.#databaseSnapshot();
    new Gauge({
      name: 'holdfast_jobs',
      help: 'Jobs not finished yet, by pipeline and state (deployment-wide: use max() across processes)',
      labelNames: ['pipeline', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const row of (await snapshot()).jobs)
          this.set({ pipeline: row.pipeline, state: row.state }, row.count);
      },
    });
    new Gauge({
      name: 'holdfast_queue_depth',
      help: 'Jobs queued or waiting whose time has come, not yet claimed (deployment-wide)',
      registers,
      async collect() {
        this.set((await snapshot()).queue.due);
      },
    });
    const store = this.#services.store;
    new Gauge({
      name: 'holdfast_database_up',
      help: '1 while this process reaches the database, 0 during an outage',
      registers,
      collect() {
        this.set(store.health.state === 'up' ? 1 : 0);
      },
    });
    for (const [name, field, help] of [
      ['holdfast_budget_used', 'used', 'Settled spend of each budget account in its current period'],
      ['holdfast_budget_held', 'reserved', 'Amount held by running jobs and calls on each account'],
      ['holdfast_budget_limit', 'limit', 'Limit of each account in its current period (credit included)'],
    ] as const) {
      new Gauge({
        name,
        help: `${help} (deployment-wide)`,
        labelNames: ['scope', 'meter', 'period'],
        registers,
        async collect() {
          this.reset();
          for (const a of (await snapshot()).accounts)
            this.set({ scope: a.scope, meter: a.meter, period: a.period }, a[field]);
        },
      });
    }
    const hf = this.#hf;
    new Gauge({
      name: 'holdfast_provider_breaker_state',
      help: 'Circuit breaker of each provider in this process: 1 for its current state',
      labelNames: ['provider', 'state'],
      registers,
      collect() {
        this.reset();
        for (const client of Object.values(hf.providers)) {
          const state = client.health().breaker?.state ?? 'closed';
          for (const s of ['closed', 'open', 'half-open'])
            this.set({ provider: client.name, state: s }, s === state ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'holdfast_provider_in_flight',
      help: 'Provider calls in flight in this process',
      labelNames: ['provider'],
      registers,
      collect() {
        for (const client of Object.values(hf.providers))
          this.set({ provider: client.name }, client.health().inFlight);
      },
    });
    const internals = this.#internals;
    new Gauge({
      name: 'holdfast_worker_active',
      help: 'Jobs running in this process’s worker now',
      registers,
      collect() {
        this.set(internals.workerStatus().active);
      },
    });
    new Gauge({
      name: 'holdfast_worker_concurrency',
      help: 'Jobs this process’s worker may run at once (0 when it runs no worker)',
      registers,
      collect() {
        const status = internals.workerStatus();
        this.set(status.running || status.draining ? status.concurrency : 0);
      },
    });
    const hub = options.hub;
    new Gauge({
      name: 'holdfast_live_streams',
      help: 'Event streams (SSE and WebSocket) open on this process',
      registers,
      collect() {
        this.set(hub.openStreams);
      },
    });
    this.#unsubscribe = hub.onAll((event) => this.#observe(event));
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  submitted(pipeline: string, outcome: 'accepted' | 'replayed'): void {
    this.#submissions.inc({ pipeline, outcome });
  }

  answered(method: string, route: string, status: number): void {
    this.#httpRequests.inc({ method, route, status: String(status) });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  #observe(event: AnyHoldfastEvent): void {
    if (event.type === 'step:call') {
      this.latency.record(
        event.payload.provider,
        event.payload.durationMs,
        event.payload.outcome !== 'error',
        event.at,
      );
    }
    if (event.jobId === null) return;
    if (event.type === 'job:started') {
      if (event.payload.workerId === this.#services.workerId) {
        this.#local.set(event.jobId, { pipeline: event.payload.pipeline, startedAt: Date.parse(event.at) });
      }
      return;
    }
    const local = this.#local.get(event.jobId);
    if (!local) return;
    const { pipeline } = local;
    switch (event.type) {
      case 'step:succeeded':
      case 'step:failed':
        this.#stepDuration.observe(
          {
            pipeline,
            step: event.payload.step.replace(/:\d+$/, ''),
            outcome: event.type === 'step:succeeded' ? 'succeeded' : 'failed',
          },
          event.payload.durationMs / 1000,
        );
        return;
      case 'step:call':
        this.#calls.inc({
          provider: event.payload.provider,
          outcome: event.payload.outcome,
          code: event.payload.errorCode ?? '',
        });
        this.#callDuration.observe(
          { provider: event.payload.provider, outcome: event.payload.outcome },
          event.payload.durationMs / 1000,
        );
        return;
      case 'job:retry-scheduled':
        this.#retries.inc({ pipeline, source: event.payload.source });
        this.#local.delete(event.jobId);
        return;
      case 'job:waiting':
        this.#local.delete(event.jobId);
        return;
      case 'job:succeeded':
      case 'job:failed':
      case 'job:cancelled': {
        const state = event.type.slice('job:'.length);
        const durationMs =
          event.type === 'job:succeeded' ? event.payload.durationMs : Date.parse(event.at) - local.startedAt;
        this.#finished.inc({ pipeline, state });
        this.#jobDuration.observe({ pipeline, state }, Math.max(0, durationMs) / 1000);
        this.#local.delete(event.jobId);
        return;
      }
      default:
        return;
    }
  }

  /** One read of the database per scrape (shared by every gauge that needs it), cached 1 s. */
  #databaseSnapshot(): Promise<DatabaseSnapshot> {
    const now = Date.now();
    if (this.#snapshot && now - this.#snapshotAt < 1000) return this.#snapshot;
    this.#snapshotAt = now;
    const { store, clock } = this.#services;
    this.#snapshot = Promise.all([
      activeJobCounts(store),
      queueDepth(store, clock.now()),
      this.#hf.budgets.status(),
    ])
      .then(([jobs, queue, accounts]) => ({ jobs, queue, accounts }))
      .catch(() => ({ jobs: [], queue: { due: 0, scheduled: 0 }, accounts: [] }));
    return this.#snapshot;
  }
}

interface DatabaseSnapshot {
  readonly jobs: Awaited<ReturnType<typeof activeJobCounts>>;
  readonly queue: { due: number; scheduled: number };
  readonly accounts: ReadonlyArray<{
    scope: string;
    meter: string;
    period: string;
    used: number;
    reserved: number;
    limit: number;
  }>;
}
