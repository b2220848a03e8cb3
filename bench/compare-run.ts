/**
 * One measured run of bench/compare.ts, in a process of its own so that no run inherits another's
 * heap, JIT state or connections. argv: <system> <database> <jobs> <concurrency> <pickups>
 *
 * Throughput: `jobs` one-step no-op jobs are enqueued first; the clock and the CPU counters run
 * from the worker's start to the moment the database shows no job left. CPU = this process (all
 * threads, so PGlite's worker thread too) + the PostgreSQL backends of the bench database, read
 * from /proc, except the connection that watches for the end. Pickup: one job at a time on an idle
 * worker, from just before submit/addJob to the moment the job's function starts.
 * Prints one JSON line on stdout.
 */

import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Logger, makeWorkerUtils, run, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { percentile } from './report.js';

export type System = 'holdfast' | 'holdfast-pglite' | 'graphile-tuned' | 'graphile-default';

export interface RunResult {
  readonly system: System;
  readonly jobs: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  /** CPU per job, in ms: Node (this process) and the database's backends. */
  readonly nodeCpuMsPerJob: number;
  readonly pgCpuMsPerJob: number;
  readonly pickupP50Ms: number;
  readonly pickupP99Ms: number;
}

const [system, database, jobsArg, concurrencyArg, pickupsArg] = process.argv.slice(2) as [
  System,
  string,
  string,
  string,
  string,
];
const jobs = Number(jobsArg);
const concurrency = Number(concurrencyArg);
const pickups = Number(pickupsArg);
const shared = database.startsWith('postgres');
/** Milliseconds per clock tick: USER_HZ is 100 on Linux. */
const msPerTick = 10;

/** utime + stime of a process, in ms (undefined if it is gone). */
function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * msPerTick;
  } catch {
    return undefined;
  }
}

/** Watches the bench database: backend CPU, and whether any job is left. */
class Watcher {
  readonly #client: pg.Client | undefined;
  #ownPid = 0;
  constructor() {
    this.#client = shared ? new pg.Client(database) : undefined;
  }
  async open(): Promise<void> {
    if (!this.#client) return;
    await this.#client.connect();
    this.#ownPid = (await this.#client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  }
  async backendCpu(): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (!this.#client) return out;
    const { rows } = await this.#client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> $1',
      [this.#ownPid],
    );
    for (const { pid } of rows) {
      const ms = procCpuMs(pid);
      if (ms !== undefined) out.set(pid, ms);
    }
    return out;
  }
  /** Whether the query says no job is left (it answers one row with a boolean `left`). */
  async left(sql: string): Promise<boolean> {
    const { rows } = await this.#client!.query<{ left: boolean }>(sql);
    return rows[0]!.left;
  }
  async close(): Promise<void> {
    await this.#client?.end();
  }
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

const watcher = new Watcher();
await watcher.open();

async function measure(start: () => Promise<void>, done: () => Promise<boolean>) {
  const pgBefore = await watcher.backendCpu();
  const nodeBefore = process.cpuUsage();
  const t0 = performance.now();
  await start();
  while (!(await done())) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - t0) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const pgAfter = await watcher.backendCpu();
  return {
    seconds,
    nodeCpuMs: (node.user + node.system) / 1000,
    pgCpuMs: cpuDelta(pgBefore, pgAfter),
  };
}

async function pickupSamples(submit: () => Promise<void>, started: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < pickups + 20; i++) {
    const t0 = performance.now();
    const began = started();
    await submit();
    await began;
    if (i >= 20) samples.push(performance.now() - t0);
    // Let the job finish so that the worker is idle again.
    await new Promise((r) => setTimeout(r, 5));
  }
  return samples.sort((a, b) => a - b);
}

/** A promise for "the next job started", resolved by the job's own function. */
function startSignal() {
  let resolve: (() => void) | undefined;
  return {
    next: () =>
      new Promise<void>((r) => {
        resolve = r;
      }),
    fire: () => {
      const r = resolve;
      resolve = undefined;
      r?.();
    },
  };
}

async function runHoldfast() {
  const signal = startSignal();
  const noop = definePipeline({
    name: 'noop',
    run: async ({ step }) => {
      signal.fire();
      return step.run('a', () => 1);
    },
  });
  const hf = createHoldfast({ database, pipelines: [noop], worker: { concurrency } });
  await hf.ready();
  for (let i = 0; i < jobs; i += 1000) {
    await hf.submitMany(
      noop,
      Array.from({ length: Math.min(1000, jobs - i) }, () => ({ input: {} })),
    );
  }
  let remaining = jobs;
  const off = hf.events.subscribe({ types: ['job:succeeded'] }, () => {
    remaining -= 1;
  });
  // job:succeeded is published after its commit: counting them is exact, and costs the database nothing.
  const result = await measure(
    () => hf.start(),
    async () => remaining === 0,
  );
  off();
  if (remaining !== 0) throw new Error(`Holdfast finished ${jobs - remaining} of ${jobs} jobs`);
  const samples = await pickupSamples(
    async () => {
      await hf.submit(noop, {});
    },
    () => signal.next(),
  );
  await hf.close();
  return { ...result, samples };
}

async function runGraphile(tuned: boolean) {
  const signal = startSignal();
  const logger = new Logger(() => () => {});
  const utils = await makeWorkerUtils({ connectionString: database, logger });
  await utils.migrate();
  for (let i = 0; i < jobs; i += 1000) {
    await utils.addJobs(
      Array.from({ length: Math.min(1000, jobs - i) }, () => ({ identifier: 'noop', payload: {} })),
    );
  }
  await utils.withPgClient((client) => client.query('analyze graphile_worker._private_jobs'));
  let ran = 0;
  let completed = 0;
  const events = new EventEmitter() as WorkerEvents;
  events.on('job:complete', () => {
    completed += 1;
  });
  let runner: Awaited<ReturnType<typeof run>> | undefined;
  const result = await measure(
    async () => {
      runner = await run({
        connectionString: database,
        concurrency,
        logger,
        noHandleSignals: true,
        events,
        taskList: {
          noop: async () => {
            ran += 1;
            signal.fire();
          },
        },
        ...(tuned
          ? {
              preset: {
                worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
              },
            }
          : {}),
      });
    },
    // Counted in process (no query per poll), then confirmed once in the database: a job is
    // done when its row is gone.
    async () =>
      completed >= jobs &&
      watcher.left('select not exists (select 1 from graphile_worker._private_jobs) as left'),
  );
  if (ran !== jobs) throw new Error(`graphile-worker ran ${ran} of ${jobs} jobs`);
  const samples = await pickupSamples(
    async () => {
      await utils.addJob('noop', {});
    },
    () => signal.next(),
  );
  await runner!.stop();
  await utils.release();
  return { ...result, samples };
}

const measured =
  system === 'holdfast' || system === 'holdfast-pglite'
    ? await runHoldfast()
    : await runGraphile(system === 'graphile-tuned');
await watcher.close();
const out: RunResult = {
  system,
  jobs,
  seconds: measured.seconds,
  jobsPerSecond: jobs / measured.seconds,
  nodeCpuMsPerJob: measured.nodeCpuMs / jobs,
  pgCpuMsPerJob: measured.pgCpuMs / jobs,
  pickupP50Ms: percentile(measured.samples, 50),
  pickupP99Ms: percentile(measured.samples, 99),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
