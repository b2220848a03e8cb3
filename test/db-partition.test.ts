import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { crashPipeline } from './fixtures/crash-pipeline.js';
import { backends } from './support/backends.js';
import { type OutageWorker, startOutageWorker } from './support/outage-worker.js';
import { verifyStepWrites } from './support/step-writes.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const jobs = 24;
const leaseMs = 3000;

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => {});
});

async function until(check: () => Promise<boolean>, what: string, limitMs = 120_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`not reached within ${limitMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.runIf(postgres.available)('a network partition between a worker and PostgreSQL', () => {
  it('the cut-off worker stops its steps within the lease, another takes the jobs over, nothing is written twice', async () => {
    const database = await postgres.database();
    const dir = mkdtempSync(join(tmpdir(), 'hf-partition-'));
    const logFile = join(dir, 'steps.log');
    const abortLog = join(dir, 'aborts.log');
    writeFileSync(logFile, '');
    writeFileSync(abortLog, '');
    const setup = createHoldfast({ database, pipelines: [crashPipeline(logFile)] });
    const { store: setupStore } = await internalsOf(setup).open();
    await setupStore.query('create table crash_writes (job_id uuid, step text, k int, exec text)');
    await setup.submitMany(
      'crash',
      Array.from({ length: jobs }, (_, i) => ({ input: { n: i } })),
    );
    await setup.close();

    // Worker A reaches the database through a proxy the test can cut; worker B directly.
    const url = new URL(database);
    const proxy: TcpProxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(database);
    viaProxy.port = String(proxy.port);
    const lease = `${leaseMs}ms`;
    const a: OutageWorker = startOutageWorker(viaProxy.toString(), logFile, { lease, abortLog });
    cleanup.push(() => a.stop());
    await a.ready;
    const store: Store = await openStore(database);
    cleanup.push(() => store.close());
    const pidA = String(a.child.pid);
    // Let A claim and start work, then cut it off mid-step.
    await until(
      async () =>
        readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => l.endsWith(pidA)).length >= 8,
      'A started steps',
    );
    const b: OutageWorker = startOutageWorker(database, logFile, { lease, abortLog });
    cleanup.push(() => b.stop());
    await b.ready;
    proxy.partition();
    const cutAt = Date.now();
    const heldByA = (
      await store.query<{ id: string }>(
        `select id from holdfast.jobs where state = 'running' and lease_owner like $1`,
        [`%:${pidA}:%`],
      )
    ).rows.map((r) => r.id);
    expect(heldByA.length).toBeGreaterThan(0);

    // B takes A's jobs over once their lease expires, and finishes them while A is still cut off.
    await until(
      async () =>
        (
          await store.query<{ n: number }>(
            `select count(*)::int as n from holdfast.jobs where id = any($1::uuid[]) and state = 'succeeded'`,
            [heldByA],
          )
        ).rows[0]!.n === heldByA.length,
      "B finished A's jobs",
    );
    // The link comes back: A's late commits reach the server, and are refused.
    proxy.heal();
    await until(
      async () =>
        (
          await store.query<{ n: number }>(
            `select count(*)::int as n from holdfast.jobs where state = 'succeeded'`,
          )
        ).rows[0]!.n === jobs,
      'every job succeeded',
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    await verifyStepWrites(store, logFile, jobs);

    // Every step A was running when it was cut off saw its signal fire within the lease.
    const lines = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .map((line) => line.split(' '));
    const startsByA = lines(logFile).filter((f) => f[3] === pidA);
    const aborts = new Map<string, number>();
    const ends = new Map<string, number>();
    for (const f of lines(abortLog)) {
      if (f[5] === 'end') ends.set(f[2]!, Number(f[4]));
      else if (!aborts.has(f[2]!)) aborts.set(f[2]!, Number(f[4]));
    }
    // A step of A still running when the link was cut ended on its own or was stopped, within the
    // lease — and the watchdog did stop some (otherwise this would prove nothing).
    const cutOff = startsByA.filter((f) => !((ends.get(f[2]!) ?? Number.POSITIVE_INFINITY) < cutAt));
    let stopped = 0;
    for (const f of cutOff) {
      const stoppedAt = Math.min(
        aborts.get(f[2]!) ?? Number.POSITIVE_INFINITY,
        ends.get(f[2]!) ?? Number.POSITIVE_INFINITY,
      );
      expect(stoppedAt - cutAt, `execution ${f[2]} of job ${f[0]} step ${f[1]}`).toBeLessThanOrEqual(leaseMs);
      if ((aborts.get(f[2]!) ?? Number.POSITIVE_INFINITY) <= (ends.get(f[2]!) ?? Number.POSITIVE_INFINITY))
        stopped += 1;
    }
    expect(stopped).toBeGreaterThan(0);
  }, 240_000);
});
