import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createHoldfast } from '../../src/holdfast/create-holdfast.js';
import { internalsOf } from '../../src/runtime/internals.js';
import { crashPipeline } from '../fixtures/crash-pipeline.js';
import { type OutageWorker, startOutageWorker } from './outage-worker.js';
import type { ThrowawayCluster } from './pg-cluster.js';

/** What one restart cost: from the database's return to the first job done, and to the last job it cut off. */
export interface RestartCycle {
  /** Jobs running when the database went down. */
  readonly cutOff: number;
  readonly resumeMs: number;
  readonly cutOffMs: number;
}

export interface RestartRun {
  readonly cycles: RestartCycle[];
  readonly jobs: number;
  readonly logFile: string;
  readonly database: string;
  readonly worker: OutageWorker;
}

/** Runs one query on a fresh connection, trying again while the server is (re)starting. */
export async function ask<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query<T>(text)).rows;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

export async function until(check: () => Promise<boolean>, what: string, limitMs = 120_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not reached within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

/**
 * Crashes PostgreSQL (`pg_ctl stop -m immediate`) `restarts` times under a worker process that
 * runs the crash pipeline, and measures each recovery. Before each restart, `batch` jobs are
 * submitted from this process (whose Holdfast lives through the restarts too), so that some are
 * always running when the database goes down. The caller stops the worker.
 */
export async function runRestartCycles(
  cluster: ThrowawayCluster,
  options: { restarts: number; batch: number; downMs?: () => number },
): Promise<RestartRun> {
  const database = await cluster.createDatabase(`restarts_${Date.now()}`);
  const logFile = join(mkdtempSync(join(tmpdir(), 'hf-restart-')), 'steps.log');
  writeFileSync(logFile, '');
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const submitter = createHoldfast({ database, pipelines: [crashPipeline(logFile)], logger: quiet });
  const { store } = await internalsOf(submitter).open();
  await store.query('create table crash_writes (job_id uuid, step text, k int, exec text)');
  const submitBatch = async (cycle: number) => {
    const items = Array.from({ length: options.batch }, (_, i) => ({
      input: { n: cycle * options.batch + i },
      options: { idempotencyKey: `job-${cycle}-${i}` },
    }));
    // The first submit after a restart may meet dead connections: it fails fast with a code,
    // and the same idempotency keys make sending it again safe.
    for (let attempt = 0; ; attempt++) {
      try {
        return await submitter.submitMany('crash', items);
      } catch (error) {
        if ((error as { code?: string }).code !== 'DATABASE_UNAVAILABLE' || attempt > 100) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const worker = startOutageWorker(database, logFile);
  await worker.ready;
  const succeeded = async () =>
    (
      await ask<{ n: number }>(
        database,
        `select count(*)::int as n from holdfast.jobs where state = 'succeeded'`,
      )
    )[0]!.n;
  const cycles: RestartCycle[] = [];
  try {
    for (let i = 0; i < options.restarts; i++) {
      const base = await succeeded();
      await submitBatch(i);
      await until(
        async () => (await succeeded()) >= base + Math.min(10, options.batch / 4),
        'progress before the restart',
      );
      if (worker.child.exitCode !== null) throw new Error(`the worker died: ${worker.logLines().join('\n')}`);
      const running = (
        await ask<{ id: string }>(database, `select id from holdfast.jobs where state = 'running'`)
      ).map((r) => r.id);
      const before = await succeeded();
      await cluster.restart(options.downMs?.() ?? Math.floor(Math.random() * 800));
      const resumeMs = await until(
        async () => (await succeeded()) > before,
        'a job completed after the restart',
      );
      const ids = running.map((id) => `'${id}'`).join(',');
      const cutOffMs =
        running.length === 0
          ? 0
          : await until(
              async () =>
                (
                  await ask<{ n: number }>(
                    database,
                    `select count(*)::int as n from holdfast.jobs where id in (${ids}) and state <> 'succeeded'`,
                  )
                )[0]!.n === 0,
              'the jobs cut off by the restart finished',
            );
      cycles.push({ cutOff: running.length, resumeMs, cutOffMs });
    }
    const jobs = options.restarts * options.batch;
    await until(async () => (await succeeded()) === jobs, 'every job succeeded', 240_000);
    return { cycles, jobs, logFile, database, worker };
  } catch (error) {
    await worker.stop();
    throw error;
  } finally {
    await submitter.close();
  }
}
