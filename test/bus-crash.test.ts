import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusStatus } from '../src/bus/index.js';
import { migrate } from '../src/store/migrate.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { backends } from './support/backends.js';
import { type BrokerKit, natsKit, rabbitKit } from './support/bus-brokers.js';
import { waitFor } from './support/wait.js';

const consumerScript = new URL('./fixtures/bus-consumer.ts', import.meta.url).pathname;
const messages = 600;
const kills = 3;
const postgres = backends.find((b) => b.name === 'postgres')!;

interface Consumer {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  /** The status the consumer printed after a clean stop. */
  readonly exited: Promise<{ code: number | null; status: BusStatus | undefined }>;
}

function startConsumer(database: string, kit: BrokerKit, from: string, deadLetter: string): Consumer {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', consumerScript, database, kit.source, from, deadLetter],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOLDFAST_LOG_LEVEL: 'error' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`consumer exited (${code}) before ready: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; status: BusStatus | undefined }>((resolve) =>
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      resolve({ code, status: line ? (JSON.parse(line) as BusStatus) : undefined });
    }),
  );
  return { child, ready, exited };
}

async function jobCounts(store: Store): Promise<{ jobs: number; keys: number }> {
  const { rows } = await store.query<{ jobs: number; keys: number }>(
    'select count(*)::int as jobs, count(distinct idempotency_key)::int as keys from holdfast.jobs',
  );
  return rows[0]!;
}

for (const [broker, makeKit] of [
  ['NATS JetStream', natsKit],
  ['RabbitMQ', rabbitKit],
] as const) {
  describe.runIf(postgres.available)(`bus ingress from ${broker}: kill -9 of the consumer`, () => {
    let kit: BrokerKit;
    beforeAll(async () => {
      kit = await makeKit();
    });
    afterAll(async () => {
      await kit?.close();
    });

    it(`${kills} kills mid-stream and a restart: one job per distinct message, nothing left unacknowledged`, async () => {
      const database = await postgres.database();
      const store = await openStore(database);
      await migrate(store);
      const names = kit.names('crash');
      await kit.prepareSource(names.from);
      for (let i = 0; i < messages; i++) {
        await kit.publish(names.from, JSON.stringify({ n: i }), { id: `crash-${i}` });
      }

      try {
        for (let k = 1; k <= kills; k++) {
          const consumer = startConsumer(database, kit, names.from, names.deadLetter);
          await consumer.ready;
          // Kill once this run has made some jobs, and before the stream is done.
          const before = (await jobCounts(store)).jobs;
          await waitFor(async () => (await jobCounts(store)).jobs >= before + 40, 60_000, 'progress');
          consumer.child.kill('SIGKILL');
          await consumer.exited;
          const after = await jobCounts(store);
          expect(after.jobs, 'the kill landed mid-stream').toBeLessThan(messages);
          expect(after.jobs).toBe(after.keys);
        }

        const last = startConsumer(database, kit, names.from, names.deadLetter);
        await last.ready;
        await waitFor(async () => (await jobCounts(store)).jobs === messages, 120_000, 'every message a job');
        // Every message is accounted for once nothing waits to be delivered or acknowledged.
        await waitFor(
          async () => {
            const backlog = await kit.backlog(names.from, `holdfast-${names.from.replace(/\./g, '-')}`);
            return backlog.waiting === 0 && backlog.unacknowledged === 0;
          },
          60_000,
          'an empty backlog',
        );
        last.child.kill('SIGTERM');
        const { code, status } = await last.exited;
        expect(code).toBe(0);
        expect(status!.routes[0]).toMatchObject({ inHand: 0, deadLettered: {} });
        // The last kill left jobs committed whose messages were not acknowledged: delivered
        // again, they were recognised instead of making second jobs.
        expect(status!.routes[0]!.duplicates).toBeGreaterThan(0);
        expect(await jobCounts(store)).toEqual({ jobs: messages, keys: messages });
        expect(await kit.backlog(names.from, `holdfast-${names.from.replace(/\./g, '-')}`)).toMatchObject({
          waiting: 0,
          unacknowledged: 0,
        });
        process.stdout.write(
          `[bus crash ${broker}] last run: ${status!.routes[0]!.received} received, ${status!.routes[0]!.duplicates} recognised as duplicates of jobs committed before a kill\n`,
        );
      } finally {
        await store.close();
      }
    }, 240_000);
  });
}
