import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { resolveBudgets } from '../src/ledger/budget-config.js';
import { Ledger } from '../src/ledger/ledger.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { openStore } from '../src/store/open-store.js';
import { systemClock } from '../src/time/clock.js';
import { ledgerBudgets } from './fixtures/ledger-budgets.js';
import { backends } from './support/backends.js';
import { storeOf } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 8 });
});
afterAll(() => sim.close());

function run(script: string, args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL(`./fixtures/${script}`, import.meta.url).pathname, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOLDFAST_LOG_LEVEL: 'error' },
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited, out: () => out, err: () => err };
}

describe.runIf(postgres.available)('ledger under contention (PostgreSQL, three processes)', () => {
  it('never grants past either limit, never deadlocks, and used equals what was settled, exactly', async () => {
    const database = await postgres.database();
    const setup = createHoldfast({ database, pipelines: [], budgets: ledgerBudgets });
    await setup.ready();
    await setup.close();

    const workers = [0, 1, 2].map(() => run('ledger-worker.ts', [database, sim.url, '50']));
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes, workers.map((w) => w.err()).join('\n')).toEqual([0, 0, 0]);
    const endings = workers.flatMap(
      (w) =>
        JSON.parse(w.out().trim().split('\n').at(-1)!) as Array<{
          state: string;
          code: string | null;
          n: number;
        }>,
    );
    // Every job either finished or was refused by a budget: nothing else went wrong.
    expect(endings.every((e) => e.state === 'succeeded' || e.code === 'QUOTA_EXCEEDED')).toBe(true);
    expect(endings.reduce((s, e) => s + e.n, 0)).toBe(150);
    expect(endings.some((e) => e.code === 'QUOTA_EXCEEDED')).toBe(true);

    const store = await openStore(database);
    try {
      const accounts = (
        await store.query<{
          id: number;
          scope: string;
          limit_amount: number;
          used: number;
          reserved: number;
        }>('select id, scope, limit_amount, used, reserved from holdfast.accounts order by id')
      ).rows;
      expect(accounts.map((a) => a.scope)).toEqual(['global', 'tenant:hot']);
      // At every step of the journal, what was granted (used + held) stayed within the limit.
      const worst = (
        await store.query<{ account_id: number; over: number; entries: number }>(
          `select account_id, max(used_after + reserved_after - limit_after) as over, count(*)::int as entries
             from holdfast.ledger_entries group by account_id order by account_id`,
        )
      ).rows;
      for (const w of worst) expect(w.over).toBeLessThanOrEqual(0);
      expect(worst.every((w) => w.entries > 100)).toBe(true);
      // Used is exactly what was settled, which is exactly what the provider charged.
      const charged = sim.requests().ledger['openai@-hot']!;
      const providerTotal = charged.input + charged.output;
      for (const account of accounts) {
        const { rows } = await store.query<{ settled: number }>(
          'select coalesce(sum(delta_used), 0) as settled from holdfast.ledger_entries where account_id = $1',
          [account.id],
        );
        expect(account.used).toBe(rows[0]!.settled);
        expect(account.used).toBe(providerTotal);
        expect(account.reserved).toBe(0);
        expect(account.used).toBeLessThanOrEqual(account.limit_amount);
      }
      // The tenant's limit was the one that bound: at some step, used + held came right up to it
      // (refusals start there, while worst-case holds are still out).
      const { rows: peak } = await store.query<{ peak: number }>(
        'select max(used_after + reserved_after) as peak from holdfast.ledger_entries where account_id = $1',
        [accounts[1]!.id],
      );
      expect(peak[0]!.peak).toBeGreaterThan(accounts[1]!.limit_amount * 0.95);
      await new Promise((r) => setTimeout(r, 1000));
      const { rows: stats } = await store.query<{ n: number }>(
        'select deadlocks::int as n from pg_stat_database where datname = current_database()',
      );
      expect(stats[0]!.n).toBe(0);
    } finally {
      await store.close();
    }
  }, 180_000);
});

for (const backend of backends) {
  describe.runIf(backend.available)(`ledger recovery on ${backend.name}`, () => {
    it('counts a settle replayed twice once', async () => {
      const store = await backend.store();
      const bus = new EventBus(store, 'test');
      const ledger = new Ledger({
        budgets: resolveBudgets({ accounts: [{ meter: 'x:tokens', period: 'none', limit: 1000 }] }),
        clock: systemClock,
        providerKinds: new Map(),
        onError: () => {},
      });
      await ledger.attach({ store, bus, origin: 'test' });
      try {
        const hold = await ledger.gate.reserve(
          {},
          { provider: 'x', model: undefined, meters: { 'x:tokens': 100 } },
        );
        const usage = {
          provider: 'x',
          model: undefined,
          meter: 'x:tokens',
          input: 60,
          output: 0,
          cached: 0,
          meters: { 'x:tokens': 60 },
        };
        await ledger.gate.settle(hold, usage);
        await ledger.gate.settle(hold, usage);
        await ledger.gate.release(hold);
        const { rows } = await store.query<{ used: number; reserved: number }>(
          'select used, reserved from holdfast.accounts',
        );
        expect(rows).toEqual([{ used: 60, reserved: 0 }]);
        const { rows: entries } = await store.query<{ kind: string }>(
          'select kind from holdfast.ledger_entries order by id',
        );
        expect(entries.map((e) => e.kind)).toEqual(['reserve', 'settle']);
      } finally {
        await ledger.close();
      }
    });

    it('leaves no hold behind a worker killed between reserve and settle, once the reaper runs', async () => {
      const database =
        backend.name === 'postgres'
          ? await backend.database()
          : (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/hf-ledger-crash-`);
      sim.reset();
      sim.faults.add('openai/chat:hang');
      const worker = run('ledger-crash-worker.ts', [database, sim.url]);
      try {
        await waitFor(() => worker.out().includes('calling'), 20_000);
        await waitFor(() => sim.attempts('openai', 'chat') >= 1, 5000);
        worker.child.kill('SIGKILL');
        await worker.exited;
      } finally {
        sim.faults.clear();
      }
      const hf = createHoldfast({
        database,
        pipelines: [],
        budgets: { accounts: [{ meter: 'openai:tokens', period: 'none', limit: 100_000 }] },
      });
      try {
        await hf.ready();
        const held = await (await storeOf(hf)).query<{ kind: string; meters: Record<string, number> }>(
          `select kind, meters from holdfast.reservations where state = 'held' order by kind`,
        );
        expect(held.rows.map((r) => r.kind)).toEqual(['call']);
        const hold = held.rows[0]!.meters['openai:tokens']!;
        // The dead worker's lease (1 s) runs out; then the reaper charges the lost call in full.
        await new Promise((r) => setTimeout(r, 1200));
        expect(await hf.budgets.reap()).toEqual({ releasedJobs: 0, reapedCalls: 1 });
        const after = await (await storeOf(hf)).query<{ n: number }>(
          `select count(*)::int as n from holdfast.reservations where state = 'held'`,
        );
        expect(after.rows[0]!.n).toBe(0);
        const [account] = await hf.budgets.status();
        expect(account).toMatchObject({ used: hold, reserved: 0 });
        expect(await hf.budgets.reap()).toEqual({ releasedJobs: 0, reapedCalls: 0 });
      } finally {
        await hf.close();
      }
    }, 60_000);
  });
}
