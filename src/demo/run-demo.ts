import type { AnyHoldfastEvent } from '../events/event-map.js';
import { createHoldfast } from '../holdfast/create-holdfast.js';
import type { Holdfast } from '../runtime/holdfast.js';
import { internalsOf } from '../runtime/internals.js';
import { type Simulator, startSimulator } from '../simulator/simulator.js';
import { analyzeDocument } from './analyze-document.js';
import { productSourcing } from './product-sourcing.js';

export interface Demo {
  readonly hf: Holdfast;
  readonly sim: Simulator;
  /** The jobs submitted at start (empty until `begin()`). */
  readonly jobIds: readonly string[];
  /** Starts the workers and submits the demo's jobs (done by startDemo unless `start: false`). */
  begin(): Promise<void>;
  stop(): Promise<void>;
}

/** Faults the demo turns on, so retries, waits and diagnoses have something to show. */
export const demoFaults =
  'openai/embeddings:429=1s:0.1,anthropic:529:0.2,gemini:503:0.1,openai:latency=5ms-40ms';

/**
 * The demo `holdfast start --demo` runs: the provider simulator (with some faults), Holdfast on
 * the given database with the two demo pipelines and budgets, a few jobs, and a live log of what
 * happens to them.
 */
export async function startDemo(options: {
  database: string;
  log: (line: string) => void;
  jobs?: number;
  /** Start the workers and submit the jobs now (default true); false leaves it to `begin()`. */
  start?: boolean;
}): Promise<Demo> {
  const sim = await startSimulator({
    seed: 1,
    faults: demoFaults,
    keepa: { capacity: 300, refillAmount: 50, refillEveryMs: 3 * 3_600_000 },
  });
  const hf = createHoldfast({
    database: options.database,
    pipelines: [analyzeDocument, productSourcing],
    providers: {
      openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-demo' },
      anthropic: { kind: 'anthropic', baseUrl: sim.url, apiKey: 'sk-ant-demo' },
      gemini: { kind: 'gemini', baseUrl: sim.url, apiKey: 'gemini-demo' },
      keepa: {
        kind: 'http',
        baseUrl: sim.url,
        apiKey: 'keepa-demo',
        auth: { query: 'key' },
        cost: (request) => ({ 'keepa:tokens': String(request.query?.asin ?? '').split(',').length }),
        usage: (answer) => ({
          'keepa:tokens': Number((answer.body as { tokensConsumed?: number }).tokensConsumed ?? 0),
        }),
        balance: (answer) => ({
          'keepa:tokens': Number((answer.body as { tokensLeft?: number }).tokensLeft ?? 0),
        }),
        retryAfter: (answer) =>
          answer.status === 429 ? Number((answer.body as { refillIn?: number }).refillIn) : undefined,
      },
    },
    budgets: {
      accounts: [
        { meter: 'openai:tokens', period: 'day', limit: 2_000_000 },
        { meter: 'keepa:tokens', period: { refill: 50, every: '3h', capacity: 300 } },
      ],
      tenantTemplates: [{ meter: 'usd', period: 'month', limit: 5 }],
    },
    worker: { concurrency: 8 },
  });
  await hf.ready();
  await (await internalsOf(hf).open()).store.query(
    'create table if not exists demo_embeddings (job_id uuid not null, chunk int not null, vector jsonb not null)',
  );
  hf.events.subscribe({}, (event) => {
    const line = describe(event);
    if (line) options.log(line);
  });
  const jobIds: string[] = [];
  const begin = async () => {
    await hf.start();
    const count = options.jobs ?? 2;
    for (let i = 0; i < count; i++) {
      const job = await hf.submit(
        analyzeDocument,
        { title: `Tender VSGP-AO-${100 + i}`, pages: 4 + i * 2 },
        { tenant: 'acme' },
      );
      jobIds.push(job.id);
    }
    jobIds.push(
      (await hf.submit(productSourcing, { category: 'kitchen', maxResults: 40 }, { tenant: 'acme' })).id,
    );
  };
  if (options.start !== false) await begin();
  return {
    hf,
    sim,
    jobIds,
    begin,
    async stop() {
      await hf.stop({ graceMs: 5000 });
      await hf.close();
      await sim.close();
    },
  };
}

function describe(event: AnyHoldfastEvent): string | undefined {
  // The whole id: every command takes it (or a unique prefix), so a line can be copied as is.
  const job = event.jobId ?? '';
  switch (event.type) {
    case 'job:queued':
      return `${job} queued       ${event.payload.pipeline}`;
    case 'job:started':
      return `${job} started      attempt ${event.payload.attempt}${event.payload.resumed ? ' (resumes after its last checkpoint)' : ''}`;
    case 'step:succeeded':
      return `${job}   ✓ ${event.payload.step} (${event.payload.durationMs} ms)`;
    case 'step:failed':
      return `${job}   ✗ ${event.payload.step}: ${event.payload.error.code} — ${event.payload.error.message}`;
    case 'step:call':
      return event.payload.outcome === 'retry'
        ? `${job}     ↻ ${event.payload.provider} ${event.payload.operation} answered ${event.payload.status ?? event.payload.errorCode}; retrying in ${event.payload.retryInMs} ms`
        : undefined;
    case 'job:retry-scheduled':
      return `${job} waits        ${event.payload.error.code}: retry ${event.payload.nextAttempt} at ${event.payload.runAt} (${event.payload.source})`;
    case 'job:waiting':
      return `${job} waits        ${event.payload.reason} until ${event.payload.runAt}`;
    case 'job:succeeded':
      return `${job} SUCCEEDED    in ${(event.payload.durationMs / 1000).toFixed(1)} s`;
    case 'job:failed':
      return `${job} FAILED       ${event.payload.error.code}: ${event.payload.error.message}\n${event.payload.error.recommendations.map((r) => `${' '.repeat(37)}• ${r}`).join('\n')}`;
    case 'quota:warning':
    case 'quota:exceeded':
      return `${'budget'.padEnd(36)} ${event.type} ${event.payload.scope} ${event.payload.meter} at ${event.payload.percent} %`;
    case 'provider:circuit-opened':
      return `${'provider'.padEnd(36)} ${event.payload.provider} circuit OPEN (${event.payload.reason})`;
    case 'provider:circuit-closed':
      return `${'provider'.padEnd(36)} ${event.payload.provider} circuit closed`;
    default:
      return undefined;
  }
}
