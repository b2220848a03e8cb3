import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/runtime/holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { openStore } from '../src/store/open-store.js';
import { crashPipeline } from './fixtures/crash-pipeline.js';
import { startOutageWorker } from './support/outage-worker.js';
import { canRunCluster, startThrowawayCluster, type ThrowawayCluster } from './support/pg-cluster.js';
import { verifyStepWrites } from './support/step-writes.js';

const restarts = 10;
/** Jobs submitted before each restart, so that some are always running when it comes. */
const batch = 40;
const jobs = restarts * batch;

/** Runs one query on a fresh connection, trying again while the server is (re)starting. */
async function ask<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query<T>(text)).rows;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

async function until(check: () => Promise<boolean>, what: string, limitMs = 120_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not reached within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

describe.runIf(canRunCluster())('a PostgreSQL restart under running workers', () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it(`restart -m immediate ${restarts} times mid-run: the worker lives, every job finishes once, work resumes by itself`, async () => {
    const database = await cluster.createDatabase('restarts');
    const logFile = join(mkdtempSync(join(tmpdir(), 'hf-restart-')), 'steps.log');
    writeFileSync(logFile, '');
    // This process submits (and lives through the restarts too); another one works.
    const submitter = createHoldfast({ database, pipelines: [crashPipeline(logFile)] });
    const { store } = await internalsOf(submitter).open();
    await store.query('create table crash_writes (job_id uuid, step text, k int, exec text)');
    const submitBatch = async (cycle: number) => {
      const items = Array.from({ length: batch }, (_, i) => ({
        input: { n: cycle * batch + i },
        options: { idempotencyKey: `job-${cycle}-${i}` },
      }));
      // The first submit after a restart may meet the dead connections of the pool.
      for (let attempt = 0; ; attempt++) {
        try {
          return await submitter.submitMany('crash', items);
        } catch (error) {
          if ((error as { code?: string }).code !== 'DATABASE_UNAVAILABLE' || attempt > 50) throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };

    // The default 30 s lease: jobs cut off by a restart must not wait for it to expire.
    const worker = startOutageWorker(database, logFile);
    await worker.ready;
    const succeeded = async () =>
      (
        await ask<{ n: number }>(
          database,
          `select count(*)::int as n from holdfast.jobs where state = 'succeeded'`,
        )
      )[0]!.n;
    const cycles: Array<{ resumeMs: number; cutOffMs: number; cutOff: number }> = [];
    for (let i = 0; i < restarts; i++) {
      const base = await succeeded();
      await submitBatch(i);
      await until(async () => (await succeeded()) >= base + 10, 'progress before the restart').catch(
        async (error: Error) => {
          const states = await ask(
            database,
            'select state, count(*)::int as n from holdfast.jobs group by state',
          );
          throw new Error(
            `${error.message} after ${JSON.stringify(cycles)}; jobs ${JSON.stringify(states)}; log:\n${worker.logLines().slice(-30).join('\n')}`,
          );
        },
      );
      const running = (
        await ask<{ id: string }>(database, `select id from holdfast.jobs where state = 'running'`)
      ).map((r) => r.id);
      const before = await succeeded();
      await cluster.restart(Math.floor(Math.random() * 800));
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
      cycles.push({ resumeMs, cutOffMs, cutOff: running.length });
      expect(worker.child.exitCode, worker.logLines().join('\n')).toBeNull();
    }
    await until(async () => (await succeeded()) === jobs, 'every job succeeded', 240_000);
    expect(worker.child.exitCode).toBeNull();
    expect(await worker.stop()).toBe(0);
    await submitter.close();
    process.stdout.write(`[restart test] ${JSON.stringify(cycles)}\n`);
    for (const cycle of cycles) {
      expect(cycle.resumeMs).toBeLessThanOrEqual(10_000);
      expect(cycle.cutOffMs).toBeLessThanOrEqual(15_000);
    }
    const check = await openStore(database);
    try {
      await verifyStepWrites(check, logFile, jobs);
    } finally {
      await check.close();
    }
  }, 400_000);
});
