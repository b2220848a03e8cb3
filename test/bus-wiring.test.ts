import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHoldfastError } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { analyse } from './fixtures/bus-pipelines.js';
import { backends } from './support/backends.js';
import { type BrokerKit, natsKit } from './support/bus-brokers.js';
import { runCli } from './support/cli.js';
import { storeOf } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const root = new URL('..', import.meta.url).pathname;

async function jobCount(database: string): Promise<number> {
  const hf = createHoldfast({ database, pipelines: [analyse], migrate: false });
  try {
    const store = await storeOf(hf);
    const { rows } = await store.query<{ n: number }>(
      `select count(*)::int as n from holdfast.jobs where state = 'succeeded'`,
    );
    return rows[0]!.n;
  } finally {
    await hf.close();
  }
}

describe.runIf(postgres.available)('the bus wired into createHoldfast and the CLI', () => {
  let kit: BrokerKit;
  beforeAll(async () => {
    kit = await natsKit();
  });
  afterAll(async () => {
    await kit?.close();
  });

  it('refuses a bad `bus` option when the instance is made, before anything starts', () => {
    let error: unknown;
    try {
      createHoldfast({
        database: 'memory://',
        pipelines: [analyse],
        bus: {
          source: 'nats://127.0.0.1:4222',
          routes: [{ from: 'x.in', pipeline: 'nope', deadLetter: 'x.dlq' }],
        },
      });
    } catch (e) {
      error = e;
    }
    expect(isHoldfastError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { option: 'bus.routes[0].pipeline' } });
  });

  it('hf.start() consumes the configured routes, and stop() acknowledges what was taken', async () => {
    const database = await postgres.database();
    const names = kit.names('wired');
    await kit.prepareSource(names.from);
    const hf = createHoldfast({
      database,
      pipelines: [analyse],
      bus: {
        source: kit.source,
        routes: [{ from: names.from, pipeline: 'analyse', deadLetter: names.deadLetter }],
      },
      worker: { poll: '50ms' },
    });
    try {
      await hf.start();
      for (let i = 0; i < 20; i++)
        await kit.publish(names.from, JSON.stringify({ n: i }), { id: `wired-${i}` });
      await waitFor(async () => (await jobCount(database)) === 20, 60_000, '20 jobs from the bus');
      await hf.stop({ graceMs: 5000 });
      const backlog = await kit.backlog(names.from, `holdfast-${names.from.replace(/\./g, '-')}`);
      expect(backlog).toMatchObject({ waiting: 0, unacknowledged: 0 });
    } finally {
      await hf.close();
    }
  }, 120_000);

  it('`holdfast worker` consumes when holdfast.config has a bus', async () => {
    const database = await postgres.database();
    const names = kit.names('cli');
    await kit.prepareSource(names.from);
    const dir = mkdtempSync(join(tmpdir(), 'hf-bus-config-'));
    const config = join(dir, 'holdfast.config.ts');
    writeFileSync(
      config,
      `import { defineConfig } from '${root}src/holdfast/define-config.ts';
import { analyse } from '${root}test/fixtures/bus-pipelines.ts';
export default defineConfig({
  pipelines: [analyse],
  worker: { poll: '50ms' },
  bus: { source: '${kit.source}', routes: [{ from: '${names.from}', pipeline: 'analyse', deadLetter: '${names.deadLetter}' }] },
});
`,
    );
    const migrate = runCli(['migrate', '--database', database]);
    expect(await migrate.exited).toBe(0);
    const worker = runCli(['worker', '--database', database, '--config', config]);
    try {
      await worker.waitFor('running', 60_000);
      for (let i = 0; i < 10; i++)
        await kit.publish(names.from, JSON.stringify({ n: i }), { id: `cli-${i}` });
      await waitFor(async () => (await jobCount(database)) === 10, 60_000, '10 jobs from the bus');
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  }, 120_000);
});
