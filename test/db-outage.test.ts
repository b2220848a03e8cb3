import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHoldfastError } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../src/runtime/holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { openStore } from '../src/store/open-store.js';
import { crashPipeline } from './fixtures/crash-pipeline.js';
import { startOutageWorker } from './support/outage-worker.js';
import { canRunCluster, startThrowawayCluster, type ThrowawayCluster } from './support/pg-cluster.js';
import { verifyStepWrites } from './support/step-writes.js';

const outageMs = 30_000;

async function until(check: () => Promise<boolean>, what: string, limitMs = 120_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() - started > limitMs) throw new Error(`not reached within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.runIf(canRunCluster())('PostgreSQL stopped for 30 s', () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('submit fails fast with DATABASE_UNAVAILABLE, the log stays short, everything recovers by itself', async () => {
    const database = await cluster.createDatabase('outage');
    const logFile = join(mkdtempSync(join(tmpdir(), 'hf-outage-')), 'steps.log');
    writeFileSync(logFile, '');
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const hf: Holdfast = createHoldfast({ database, pipelines: [crashPipeline(logFile)], logger: quiet });
    const { store } = await internalsOf(hf).open();
    await store.query('create table crash_writes (job_id uuid, step text, k int, exec text)');
    const submit = (n: number) =>
      hf.submitMany(
        'crash',
        Array.from({ length: n }, (_, i) => ({ input: { i } })),
      );
    await submit(200);

    const worker = startOutageWorker(database, logFile, { logLevel: 'warn' });
    try {
      await worker.ready;
      await until(
        async () =>
          (
            await store.query<{ n: number }>(
              `select count(*)::int as n from holdfast.jobs where state = 'succeeded'`,
            )
          ).rows[0]!.n >= 20,
        'work under way',
      );
      const linesBefore = worker.logLines().length;
      await cluster.crash();
      const downAt = Date.now();

      // A submit during the outage fails within 5 s, with the code and what to do.
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const error = await submit(1).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isHoldfastError(error), String(error)).toBe(true);
        expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
        expect(Date.now() - started).toBeLessThanOrEqual(5000);
        await new Promise((r) => setTimeout(r, 2000));
      }
      await new Promise((r) => setTimeout(r, Math.max(0, outageMs - (Date.now() - downAt))));
      const outageLines = worker.logLines().slice(linesBefore);
      await cluster.start();

      // Back by itself: no restart of the worker, no operator action.
      await submit(20);
      await until(
        async () =>
          (
            await store.query<{ n: number }>(
              `select count(*)::int as n from holdfast.jobs where state <> 'succeeded'`,
            )
          ).rows[0]!.n === 0,
        'every job done after the outage',
      );
      expect(worker.child.exitCode).toBeNull();
      const digest = outageLines.map((line) => line.slice(0, 240)).slice(0, 15);
      expect(outageLines.length, digest.join('\n')).toBeLessThanOrEqual(10);
      const check = await openStore(database);
      try {
        await verifyStepWrites(check, logFile, 220);
      } finally {
        await check.close();
      }
    } finally {
      await worker.stop();
      await hf.close();
    }
  }, 240_000);
});
