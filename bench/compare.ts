/**
 * Holdfast against graphile-worker on the same PostgreSQL, the same number of one-step no-op jobs,
 * at the same concurrency, in alternation: each round runs every system once (in a fresh process,
 * on a fresh database), so a machine whose speed drifts hurts all of them alike. Prints every
 * round's figures and ratios, then the ranges, as a table and as JSON (bench/results/compare.json).
 *
 *   npm run bench:compare
 *   JOBS=10000 ROUNDS=3 CONCURRENCY=50 npm run bench:compare
 *
 * graphile-worker "tuned" = localQueue (500) + completeJobBatchDelay 0 + failJobBatchDelay 0;
 * "default" = its defaults at the same concurrency. Holdfast runs with its defaults too.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { RunResult, System } from './compare-run.js';
import { type Row, report } from './report.js';

const jobs = Number(process.env.JOBS ?? 20_000);
const rounds = Number(process.env.ROUNDS ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const pickups = Number(process.env.PICKUPS ?? 200);
const systems = (process.env.SYSTEMS ?? 'graphile-tuned,holdfast,graphile-default,holdfast-pglite').split(
  ',',
) as System[];
const adminUrl = process.env.HOLDFAST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function once(system: System, round: number): Promise<RunResult> {
  let database: string;
  let drop: () => Promise<void>;
  if (system === 'holdfast-pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'hf-compare-'));
    database = dir;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `hf_compare_${process.pid}_${round}_${system.replace('-', '_')}`;
    await admin(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = url.toString();
    drop = () => admin(`drop database if exists ${name} with (force)`);
  }
  try {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'compare-run.ts'),
        system,
        database,
        String(jobs),
        String(concurrency),
        String(pickups),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HOLDFAST_LOG_LEVEL: 'error' } },
    );
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${system} run exited with ${code}`);
    return JSON.parse(out.trim().split('\n').at(-1)!) as RunResult;
  } finally {
    await drop().catch(() => {});
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const rows: Row[] = [];
const results: Array<Record<System, RunResult>> = [];
for (let round = 1; round <= rounds; round++) {
  // Alternate the order too: no system always runs first on a cold machine.
  const order = round % 2 === 1 ? systems : [...systems].reverse();
  const byRound = {} as Record<System, RunResult>;
  for (const system of order) {
    const r = await once(system, round);
    byRound[system] = r;
    process.stderr.write(
      `round ${round} ${system}: ${Math.round(r.jobsPerSecond)} jobs/s, ` +
        `CPU ${(r.nodeCpuMsPerJob + r.pgCpuMsPerJob).toFixed(3)} ms/job, pickup p99 ${r.pickupP99Ms.toFixed(2)} ms\n`,
    );
  }
  results.push(byRound);
  for (const system of systems) {
    const r = byRound[system];
    rows.push({
      round,
      system,
      'jobs/s': Math.round(r.jobsPerSecond),
      // As text: the table would round numbers to two decimals.
      'CPU ms/job': (r.nodeCpuMsPerJob + r.pgCpuMsPerJob).toFixed(3),
      'node ms/job': r.nodeCpuMsPerJob.toFixed(3),
      'pg ms/job': r.pgCpuMsPerJob.toFixed(3),
      'pickup p50': round2(r.pickupP50Ms),
      'pickup p99': round2(r.pickupP99Ms),
    });
  }
  const hf = byRound.holdfast;
  if (hf) {
    for (const peer of ['graphile-tuned', 'graphile-default'] as const) {
      const p = byRound[peer];
      if (!p) continue;
      rows.push({
        round,
        system: `holdfast / ${peer}`,
        'jobs/s': round2(hf.jobsPerSecond / p.jobsPerSecond),
        'CPU ms/job': round2((hf.nodeCpuMsPerJob + hf.pgCpuMsPerJob) / (p.nodeCpuMsPerJob + p.pgCpuMsPerJob)),
        'pickup p99': round2(hf.pickupP99Ms / p.pickupP99Ms),
      });
    }
  }
}

const range = (values: number[], digits = 2) => {
  const f = (n: number) => n.toFixed(digits);
  return `${f(Math.min(...values))} – ${f(Math.max(...values))}`;
};
const summary: Record<string, string> = {};
const hfRuns = results.map((r) => r.holdfast).filter(Boolean);
if (hfRuns.length > 0) {
  for (const peer of ['graphile-tuned', 'graphile-default'] as const) {
    const pairs = results.filter((r) => r.holdfast && r[peer]);
    if (pairs.length === 0) continue;
    summary[`jobs/s ratio vs ${peer}`] = range(
      pairs.map((r) => r.holdfast.jobsPerSecond / r[peer].jobsPerSecond),
    );
    summary[`pickup p99 ratio vs ${peer}`] = range(
      pairs.map((r) => r.holdfast.pickupP99Ms / r[peer].pickupP99Ms),
    );
  }
  summary['holdfast CPU ms/job'] = range(
    hfRuns.map((r) => r.nodeCpuMsPerJob + r.pgCpuMsPerJob),
    3,
  );
}
const pglite = results.map((r) => r['holdfast-pglite']).filter(Boolean);
if (pglite.length > 0)
  summary['holdfast PGlite jobs/s'] = range(
    pglite.map((r) => r.jobsPerSecond),
    0,
  );
process.stdout.write(
  `\n${Object.entries(summary)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n`,
);
report('compare', rows, {
  jobs,
  rounds,
  concurrency,
  summary,
  targets: {
    'jobs/s vs graphile-tuned': '≥ 0.6',
    'jobs/s vs graphile-default': '≥ 1.0',
    'holdfast CPU ms/job (node + pg)': '≤ 0.15',
    'pickup p99 vs graphile-tuned': '≤ 1.0',
    'holdfast PGlite jobs/s': '≥ 2,000',
  },
});
