import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../src/runtime/holdfast.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/open-store.js';
import { serverBudgets, serverPipelines } from './fixtures/server-pipelines.js';
import { backends } from './support/backends.js';
import { runCli } from './support/cli.js';
import { storeOf, waitForState } from './support/holdfast.js';

const run = async (args: string[]) => {
  const cli = runCli(args);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
};

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0)) await fn().catch(() => {});
});

for (const backend of backends) {
  describe.runIf(backend.available)(`holdfast cleanup (${backend.name})`, () => {
    it('removes old history in batches, keeps what retries and budgets need, and says what it removed', async () => {
      let database: string;
      if (backend.name === 'postgres') database = await backend.database();
      else {
        const dir = await mkdtemp(join(tmpdir(), 'holdfast-cleanup-'));
        cleanups.push(() => rm(dir, { recursive: true, force: true }));
        database = join(dir, 'data');
      }
      const sim: Simulator = await startSimulator({ seed: 3 });
      cleanups.push(() => sim.close());
      const hf: Holdfast = createHoldfast({
        database,
        pipelines: serverPipelines,
        budgets: serverBudgets,
        providers: { openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-cleanup' } },
        worker: { poll: '50ms' },
      });
      let oldSucceeded: string[] = [];
      let oldFailed = '';
      let recent = '';
      try {
        await hf.start();
        oldSucceeded = [
          (await hf.submit('asker', { question: 'old 1' }, { tenant: 'acme', idempotencyKey: 'old-1' })).id,
          (await hf.submit('asker', { question: 'old 2' }, { tenant: 'acme' })).id,
        ];
        oldFailed = (await hf.submit('failing', { reason: 'old failure' }, { tenant: 'acme' })).id;
        recent = (
          await hf.submit('asker', { question: 'recent' }, { tenant: 'acme', idempotencyKey: 'new-1' })
        ).id;
        for (const id of [...oldSucceeded, recent]) await waitForState(hf, id, 'succeeded');
        await waitForState(hf, oldFailed, 'failed');
        await hf.stop();
        // Forty days pass for the old jobs, their journal rows and one idempotency key.
        const sql = await storeOf(hf);
        const old = [...oldSucceeded, oldFailed];
        await sql.query(
          `update holdfast.jobs set finished_at = finished_at - interval '40 days' where id = any($1::uuid[])`,
          [old],
        );
        await sql.query(`update holdfast.ledger_entries set at = at - interval '40 days'`);
        await sql.query(
          `update holdfast.idempotency_keys set expires_at = now() - interval '1 day' where key = 'old-1'`,
        );
        await sql.query(
          `insert into holdfast.events (job_id, seq, types, tenant, payloads, at)
           values (null, null, array['provider:circuit-closed'], null, '[{"provider":"openai"}]', now() - interval '40 days')`,
        );
      } finally {
        await hf.close();
      }

      const before = await run(['quotas', 'status', '--database', database, '--json']);
      expect(before.code, before.stderr).toBe(0);

      const dry = await run([
        'cleanup',
        '--older-than',
        '30d',
        '--dry-run',
        '--database',
        database,
        '--json',
      ]);
      expect(dry.code, dry.stderr).toBe(0);
      const planned = JSON.parse(dry.stdout);
      expect(planned).toMatchObject({ dryRun: true, jobs: 3, idempotencyKeys: 1 });
      expect(planned.events).toBeGreaterThan(10);
      expect(planned.steps).toBe(2); // the steps of the two old jobs that succeeded
      expect(planned.ledgerEntries).toBeGreaterThan(0);
      expect(planned.callReservations).toBe(0); // reservations were not made old

      const done = await run(['cleanup', '--older-than', '30d', '--database', database]);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toContain('Removed what was older than');
      expect(done.stdout).toMatch(/events\s+\d+/);
      const report = await run(['cleanup', '--older-than', '30d', '--database', database, '--json']);
      expect(JSON.parse(report.stdout)).toMatchObject({
        events: 0,
        steps: 0,
        idempotencyKeys: 0,
        ledgerEntries: 0,
      });

      const store = await openStore(database);
      try {
        const count = async (query: string, params: unknown[]) =>
          (await store.query<{ n: number }>(query, params)).rows[0]!.n;
        expect(
          await count(`select count(*)::int as n from holdfast.events where job_id = any($1::uuid[])`, [
            [...oldSucceeded, oldFailed],
          ]),
        ).toBe(0);
        expect(
          await count(
            `select count(*)::int as n from holdfast.events where job_id is null and at < now() - interval '30 days'`,
            [],
          ),
        ).toBe(0);
        expect(
          await count(`select count(*)::int as n from holdfast.steps where job_id = any($1::uuid[])`, [
            oldSucceeded,
          ]),
        ).toBe(0);
        // A failed job keeps its checkpoints: a retry resumes after 'prepare' and pays nothing twice.
        expect(
          await count(`select count(*)::int as n from holdfast.steps where job_id = $1`, [oldFailed]),
        ).toBe(2);
        expect(
          await count(`select count(*)::int as n from holdfast.events where job_id = $1`, [recent]),
        ).toBeGreaterThan(3);
        expect(await count(`select count(*)::int as n from holdfast.steps where job_id = $1`, [recent])).toBe(
          1,
        );
        expect(
          await count(`select count(*)::int as n from holdfast.idempotency_keys where key = 'new-1'`, []),
        ).toBe(1);
        expect(
          await count(`select count(*)::int as n from holdfast.idempotency_keys where key = 'old-1'`, []),
        ).toBe(0);
        expect(await count(`select count(*)::int as n from holdfast.jobs`, [])).toBe(4);
      } finally {
        await store.close();
      }
      // Account totals and daily usage are exactly what they were.
      const after = await run(['quotas', 'status', '--database', database, '--json']);
      expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
      expect(JSON.parse(after.stdout).usage.total.calls).toBe(3);
    }, 120_000);
  });
}
