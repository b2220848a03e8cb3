/**
 * The HTTP API's figures (issue 8), each beside what it is compared with:
 * - submit: POST /v1/jobs req/s and p99 (a client in another process), and hf.submit in this
 *   process on the same database, same concurrency, same run. Goal: HTTP ≥ 0.5× direct.
 * - fan-out: 1,000 SSE subscribers on one job; commit → delivery latency of every event at every
 *   subscriber (commit: when this process's bus hands the committed event over; delivery: when
 *   the subscriber's process reads its frame). Goal: p99 ≤ 50 ms.
 * - idle: 10,000 open SSE connections; the server process's RSS before and after. Goal ≤ 200 MB.
 *
 *   npm run bench:api                                   # PostgreSQL (if reachable) and PGlite
 *   BACKENDS=postgres SECONDS=10 CONCURRENCY=32 npm run bench:api
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import pg from 'pg';
import { z } from 'zod';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../src/runtime/holdfast.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { createServer, type HoldfastServer } from '../src/server/create-server.js';
import { percentile, type Row, report } from './report.js';

const seconds = Number(process.env.SECONDS ?? 8);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const subscribers = Number(process.env.SUBSCRIBERS ?? 1000);
const idleConnections = Number(process.env.IDLE ?? 10_000);
const ticks = Number(process.env.TICKS ?? 40);
const backends = (process.env.BACKENDS ?? 'postgres,pglite').split(',');
const phases = new Set((process.env.PHASES ?? 'submit,fanout,idle').split(','));
const adminUrl = process.env.HOLDFAST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const clientScript = new URL('./api-clients.ts', import.meta.url).pathname;
const now = () => performance.timeOrigin + performance.now();

/** Released by the bench once every subscriber is connected. */
let releaseGate: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  releaseGate = resolve;
});

const submitted = definePipeline({
  name: 'submitted',
  input: z.object({ title: z.string().min(1), pages: z.number().int().min(1) }),
  estimate: (input) => ({ 'openai:tokens': input.pages * 100 }),
  run: async () => 'done',
});

const plain = definePipeline({
  name: 'plain',
  input: z.object({ title: z.string().min(1), pages: z.number().int().min(1) }),
  run: async () => 'done',
});

const fanout = definePipeline({
  name: 'fanout',
  input: z.object({ ticks: z.number().int().min(1), intervalMs: z.number().int().min(0) }),
  retry: { attempts: 1 },
  timeout: false,
  run: async ({ input, step }) => {
    await gate;
    for (let i = 0; i < input.ticks; i++) {
      await step.run(`tick:${i}`, async () => {
        await new Promise((resolve) => setTimeout(resolve, input.intervalMs));
        return i;
      });
    }
  },
});

async function database(backend: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (backend === 'pglite') return { url: 'memory://', drop: async () => {} };
  const name = `hf_bench_api_${process.pid}_${Date.now()}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client(adminUrl);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

function client(config: Record<string, unknown>): { child: ChildProcess; lines: AsyncGenerator<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', clientScript, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  async function* lines() {
    let buffer = '';
    for await (const chunk of child.stdout!) {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        yield JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
      }
    }
  }
  return { child, lines: lines() };
}

async function next<T>(lines: AsyncGenerator<unknown>): Promise<T> {
  const { value, done } = await lines.next();
  if (done) throw new Error('the client process ended early');
  return value as T;
}

const rss = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
  return process.memoryUsage();
};

async function open(
  url: string,
): Promise<{ hf: Holdfast; server: HoldfastServer; key: string; base: string }> {
  const hf = createHoldfast({
    database: url,
    pipelines: [submitted, plain, fanout],
    budgets: { accounts: [{ meter: 'openai:tokens', period: 'none', limit: 1e15 }] },
    worker: { concurrency: 4 },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await hf.ready();
  // Subscribed before the server's hub, so that it notes the moment the bus hands a committed
  // event over, before the hub writes it to the subscribers.
  hf.events.subscribe({}, (event) => {
    if (event.jobId !== null && event.jobId === watched.jobId) watched.committed.set(event.id, now());
  });
  const server = await createServer(hf, { port: 0 });
  const key = (await server.context.keys.ensureAdmin({ rotate: true })).key!;
  return { hf, server, key, base: await server.listen() };
}

/** The job whose events' commit times are noted. */
const watched = { jobId: '', committed: new Map<number, number>() };

const rows: Row[] = [];
const notes: Record<string, unknown> = { seconds, concurrency, subscribers, idleConnections, ticks };

interface Opened {
  readonly hf: Holdfast;
  readonly server: HoldfastServer;
  readonly key: string;
  readonly base: string;
}

/** hf.submit in this process, then POST /v1/jobs from a client process: same jobs, same concurrency. */
async function submitPhase(backend: string, o: Opened, pipeline: 'submitted' | 'plain'): Promise<void> {
  const input = { title: 'Tender 42', pages: 6 };
  const label = pipeline === 'plain' ? 'no estimate' : 'estimate reserved on a budget';
  const direct: number[] = [];
  const warm = performance.now() + 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warm) await o.hf.submit(pipeline, input);
    }),
  );
  const until = performance.now() + seconds * 1000;
  const directStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await o.hf.submit(pipeline, input);
        direct.push(performance.now() - started);
      }
    }),
  );
  const directSeconds = (performance.now() - directStart) / 1000;
  const http = client({
    mode: 'submit',
    url: o.base,
    key: o.key,
    seconds,
    connections: concurrency,
    body: JSON.stringify({ pipeline, input }),
  });
  const result = await next<{
    requests: number;
    seconds: number;
    latencies: number[];
    statuses: Record<string, number>;
  }>(http.lines);
  const directSorted = direct.sort((a, b) => a - b);
  const httpSorted = result.latencies.sort((a, b) => a - b);
  const directRate = direct.length / directSeconds;
  const httpRate = result.requests / result.seconds;
  rows.push(
    {
      backend,
      measure: `hf.submit, in process (${label})`,
      'per second': Math.round(directRate),
      p50_ms: percentile(directSorted, 50),
      p99_ms: percentile(directSorted, 99),
      target: '',
      met: '',
    },
    {
      backend,
      measure: `POST /v1/jobs, client process (${label})`,
      'per second': Math.round(httpRate),
      p50_ms: percentile(httpSorted, 50),
      p99_ms: percentile(httpSorted, 99),
      target: '≥ 0.5× direct',
      met: `${(httpRate / directRate).toFixed(2)}× ${httpRate >= 0.5 * directRate ? 'yes' : 'NO'}`,
    },
  );
  notes[`${backend} ${pipeline} HTTP statuses`] = result.statuses;
}

/** N subscribers on one job: commit → delivery of every event at every subscriber. */
async function fanoutPhase(backend: string, o: Opened): Promise<void> {
  gate = new Promise<void>((resolve) => {
    releaseGate = resolve;
  });
  await o.hf.start();
  const { id } = await o.hf.submit(fanout, { ticks, intervalMs: 25 });
  watched.jobId = id;
  watched.committed.clear();
  const fan = client({
    mode: 'sse',
    url: o.base,
    key: o.key,
    path: `/v1/jobs/${id}/events`,
    count: subscribers,
  });
  await next<{ connected: number }>(fan.lines);
  // Only events committed from now on are measured (the earlier ones were replayed).
  watched.committed.clear();
  releaseGate();
  const { received } = await next<{ received: Record<string, number[]> }>(fan.lines);
  const latencies: number[] = [];
  for (const [eventId, times] of Object.entries(received)) {
    const at = watched.committed.get(Number(eventId));
    if (at === undefined) continue; // replayed at connection: committed before anyone listened
    for (const t of times) latencies.push(t - at);
  }
  latencies.sort((a, b) => a - b);
  rows.push({
    backend,
    measure: `${subscribers} SSE subscribers on one job, commit → delivery`,
    'per second': '',
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    target: 'p99 ≤ 50 ms',
    met: percentile(latencies, 99) <= 50 ? 'yes' : 'NO',
  });
  notes[`${backend} fan-out deliveries`] = latencies.length;
  notes[`${backend} fan-out max ms`] = latencies.at(-1);
  await o.hf.stop();
}

/** N open SSE connections on a job that waits: the server process's memory before and after. */
async function idlePhase(backend: string, o: Opened): Promise<void> {
  const parked = await o.hf.submit(
    submitted,
    { title: 'later', pages: 1 },
    { runAt: Date.now() + 24 * 3_600_000 },
  );
  const before = await rss();
  const idle = client({
    mode: 'idle',
    url: o.base,
    key: o.key,
    path: `/v1/jobs/${parked.id}/events`,
    count: idleConnections,
  });
  const { connected } = await next<{ connected: number }>(idle.lines);
  const after = await rss();
  const deltaMb = (after.rss - before.rss) / 2 ** 20;
  rows.push({
    backend,
    measure: `${connected} idle SSE connections, server RSS delta`,
    'per second': '',
    p50_ms: '',
    p99_ms: '',
    target: '≤ 200 MB',
    met: `${deltaMb.toFixed(1)} MB ${deltaMb <= 200 ? 'yes' : 'NO'}`,
  });
  notes[`${backend} idle heap delta MB`] =
    Math.round(((after.heapUsed - before.heapUsed) / 2 ** 20) * 10) / 10;
  notes[`${backend} idle RSS before MB`] = Math.round(before.rss / 2 ** 20);
  idle.child.kill('SIGTERM');
  await new Promise((resolve) => idle.child.once('exit', resolve));
}

for (const backend of backends) {
  const db = await database(backend);
  const opened = await open(db.url);
  try {
    if (phases.has('submit')) {
      await submitPhase(backend, opened, 'plain');
      await submitPhase(backend, opened, 'submitted');
    }
    if (phases.has('fanout')) await fanoutPhase(backend, opened);
    if (phases.has('idle')) await idlePhase(backend, opened);
  } finally {
    await opened.server.close();
    await opened.hf.close();
    await db.drop();
  }
}

// The machine is shared: say how busy it was, since every figure here depends on it.
notes['load average (1, 5, 15 min) at the end'] = loadavg().map((l) => Math.round(l * 100) / 100);
report('api', rows, notes);
process.exit(0);
