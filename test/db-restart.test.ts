import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { canRunCluster, startThrowawayCluster, type ThrowawayCluster } from './support/pg-cluster.js';
import { runRestartCycles } from './support/restart-cycles.js';
import { verifyStepWrites } from './support/step-writes.js';

describe.runIf(canRunCluster())('a PostgreSQL restart under running workers', () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await startThrowawayCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('restart -m immediate 10 times mid-run: the worker lives, every job finishes once, work resumes by itself', async () => {
    // The worker keeps the default 30 s lease: jobs cut off by a restart must not wait for it.
    const run = await runRestartCycles(cluster, { restarts: 10, batch: 40 });
    try {
      expect(run.worker.child.exitCode).toBeNull();
      process.stdout.write(`[restart test] ${JSON.stringify(run.cycles)}\n`);
      for (const cycle of run.cycles) {
        expect(cycle.resumeMs).toBeLessThanOrEqual(10_000);
        expect(cycle.cutOffMs).toBeLessThanOrEqual(15_000);
      }
      expect(run.cycles.some((c) => c.cutOff > 0)).toBe(true);
    } finally {
      expect(await run.worker.stop()).toBe(0);
    }
    const check = await openStore(run.database);
    try {
      await verifyStepWrites(check, run.logFile, run.jobs);
    } finally {
      await check.close();
    }
  }, 400_000);
});
