/**
 * Runtime throughput and pickup latency, on PGlite and PostgreSQL.
 *
 *   npm run bench:runtime                  # everything
 *   JOBS=5000 npm run bench:runtime        # fewer jobs
 *   BACKENDS=postgres npm run bench:runtime
 *
 * Jobs/s: JOBS no-op jobs are enqueued first, then workers drain them; the time runs from the
 * workers' start to the last job's success. Pickup: one job at a time on an idle worker, from
 * submit() returning to the job:started event.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../src/runtime/holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { percentile, type Row, report } from './report.js';
import { benchPipelines, oneStep, threeSteps } from './runtime-pipelines.js';

const jobs = Number(process.env.JOBS ?? 20_000);
const concurrency = Number(process.env.CONCURRENCY ?? 100);
const pickups = Number(process.env.PICKUPS ?? 300);
const backends = (process.env.BACKENDS ?? 'pglite,postgres').split(',');
const adminUrl = process.env.HOLDFAST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hf_bench_${process.pid}_${Date.now()}`;
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

async function enqueue(hf: Holdfast, pipeline: typeof oneStep, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1000) {
    await hf.submitMany(
      pipeline,
      Array.from({ length: Math.min(1000, count - i) }, () => ({ input: {} })),
    );
  }
  // Planner statistics, as a long-running database would have them.
  await (await internalsOf(hf).open()).store.query('analyze holdfast.jobs');
}

async function remaining(hf: Holdfast): Promise<number> {
  const { rows } = await (await internalsOf(hf).open()).store.query<{ n: number }>(
    `select count(*)::int as n from holdfast.jobs where state <> 'succeeded'`,
  );
  return rows[0]!.n;
}

async function drainInProcess(database: string, pipeline: typeof oneStep): Promise<number> {
  const hf = createHoldfast({ database, pipelines: benchPipelines, worker: { concurrency } });
  await hf.ready();
  await enqueue(hf, pipeline, jobs);
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => {
    finished = r;
  });
  hf.events.subscribe({ types: ['job:succeeded'] }, () => {
    done += 1;
    if (done === jobs) finished();
  });
  const started = performance.now();
  await hf.start();
  await all;
  const seconds = (performance.now() - started) / 1000;
  if ((await remaining(hf)) !== 0) throw new Error('jobs left unfinished');
  await hf.close();
  return jobs / seconds;
}

async function drainWithProcesses(
  database: string,
  pipeline: typeof oneStep,
  processes: number,
): Promise<number> {
  const hf = createHoldfast({ database, pipelines: benchPipelines });
  await hf.ready();
  await enqueue(hf, pipeline, jobs);
  const children: ChildProcess[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'runtime-worker.ts'), database, String(concurrency)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    children.push(child);
  }
  const started = performance.now();
  for (const child of children) child.stdin!.write('go\n');
  while ((await remaining(hf)) > 0) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await hf.close();
  return jobs / seconds;
}

async function pickupLatency(database: string): Promise<{ p50: number; p99: number }> {
  const hf = createHoldfast({ database, pipelines: benchPipelines, worker: { concurrency: 10 } });
  await hf.start();
  const samples: number[] = [];
  for (let i = 0; i < pickups + 20; i++) {
    let resolveStarted!: () => void;
    const started = new Promise<void>((r) => {
      resolveStarted = r;
    });
    let id = '';
    let at = 0;
    const off = hf.events.subscribe({ types: ['job:started'] }, (e) => {
      if (e.jobId === id || id === '') {
        at = performance.now();
        resolveStarted();
      }
    });
    const before = performance.now();
    ({ id } = await hf.submit(oneStep, {}));
    await started;
    off();
    if (i >= 20) samples.push(at - before);
    // Let it finish: the worker is idle again for the next sample.
    await new Promise((r) => setTimeout(r, 5));
  }
  await hf.close();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const rows: Row[] = [];
for (const backend of backends) {
  const databases: Array<() => Promise<void>> = [];
  const fresh = async () => {
    if (backend === 'postgres') {
      const db = await freshPostgres();
      databases.push(db.drop);
      return db.url;
    }
    const dir = mkdtempSync(join(tmpdir(), 'hf-bench-'));
    databases.push(async () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  try {
    for (const pipeline of [oneStep, threeSteps]) {
      const rate = await drainInProcess(await fresh(), pipeline);
      rows.push({
        backend,
        pipeline: pipeline.name,
        workers: 1,
        concurrency,
        jobs,
        'jobs/s': Math.round(rate),
      });
      process.stderr.write(`${backend} ${pipeline.name} 1 worker: ${Math.round(rate)} jobs/s\n`);
      if (backend === 'postgres') {
        const rate2 = await drainWithProcesses(await fresh(), pipeline, 2);
        rows.push({
          backend,
          pipeline: pipeline.name,
          workers: 2,
          concurrency,
          jobs,
          'jobs/s': Math.round(rate2),
        });
        process.stderr.write(`${backend} ${pipeline.name} 2 workers: ${Math.round(rate2)} jobs/s\n`);
      }
    }
    const latency = await pickupLatency(await fresh());
    rows.push({
      backend,
      pipeline: 'pickup (idle worker)',
      jobs: pickups,
      'p50 ms': Number(latency.p50.toFixed(2)),
      'p99 ms': Number(latency.p99.toFixed(2)),
    });
  } finally {
    for (const drop of databases) await drop().catch(() => {});
  }
}
report('runtime', rows, {
  targets: { postgres: '≥ 3,000 one-step jobs/s, p99 pickup ≤ 6 ms', pglite: '≥ 500 one-step jobs/s' },
});
