/**
 * Reserve + settle pairs per second on one hot account, with 10 and 50 concurrent callers, on the
 * embedded store and on PostgreSQL (when reachable). Each pair is what a provider call costs the
 * ledger: hold the worst case, then charge what was used and release the rest. After each run the
 * journal is checked: used + held never passed the limit at any movement, and `used` equals the sum
 * of what was settled, exactly. A last phase races the callers into a limit that runs out, to show
 * the refusals hold too. Target on PostgreSQL: ≥ 3,000 pairs/s.
 *
 *   npm run bench:ledger              SECONDS=10 npm run bench:ledger
 *   BACKENDS=postgres CALLERS=50 npm run bench:ledger
 */

import { EventBus } from '../src/events/event-bus.js';
import { resolveBudgets } from '../src/ledger/budget-config.js';
import { Ledger } from '../src/ledger/ledger.js';
import type { BudgetHold } from '../src/providers/budget-gate.js';
import { migrate } from '../src/store/migrate.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { systemClock } from '../src/time/clock.js';
import { createTestDatabase, postgresReachable } from '../test/support/postgres.js';
import { percentile, type Row, report } from './report.js';

const seconds = Number(process.env.SECONDS ?? 5);
const meter = 'openai:tokens';
const hold = 500;

interface Setup {
  readonly store: Store;
  readonly ledger: Ledger;
  readonly bus: EventBus;
}

async function setUp(database: string, limit: number): Promise<Setup> {
  const store = await openStore(database);
  await migrate(store);
  const bus = new EventBus(store, 'bench');
  await bus.start();
  const ledger = new Ledger({
    budgets: resolveBudgets({ accounts: [{ meter, period: 'none', limit }] }),
    clock: systemClock,
    providerKinds: new Map([['openai', 'openai']]),
    onError: (error, what) => process.stderr.write(`ledger: could not ${what}: ${String(error)}\n`),
  });
  await ledger.attach({ store, bus, origin: 'bench' });
  return { store, ledger, bus };
}

async function tearDown({ store, ledger, bus }: Setup): Promise<void> {
  await ledger.close();
  await bus.stop();
  await store.close();
}

/** One provider call's worth of ledger work: hold 500 tokens, settle 1–500 of them. */
async function pair(ledger: Ledger, used: number): Promise<BudgetHold> {
  const h = await ledger.gate.reserve(
    { tenant: null },
    { provider: 'openai', model: 'gpt-4o-mini', meters: { [meter]: hold }, input: 300, output: 200 },
  );
  const input = Math.ceil(used * 0.6);
  await ledger.gate.settle(h, {
    provider: 'openai',
    model: 'gpt-4o-mini',
    meter,
    input,
    output: used - input,
    cached: 0,
    meters: { [meter]: used },
  });
  return h;
}

/** Checks the journal: returns how far used + held ever went past the limit (≤ 0 is no overspend). */
async function audit(store: Store): Promise<{ over: number; used: number; movements: number }> {
  const { rows } = await store.query<{ over: number; movements: number }>(
    `select coalesce(max(used_after + reserved_after - limit_after), 0) as over, count(*)::int as movements
       from holdfast.ledger_entries`,
  );
  const { rows: account } = await store.query<{ used: number }>(
    'select used from holdfast.accounts where meter = $1',
    [meter],
  );
  return { over: rows[0]!.over, used: account[0]!.used, movements: rows[0]!.movements };
}

async function throughput(backend: string, database: () => Promise<string>, callers: number): Promise<Row> {
  const setup = await setUp(await database(), 1e12);
  // Warm up: prepared statements, connections, JIT.
  await Promise.all(Array.from({ length: callers }, () => pair(setup.ledger, 1)));
  const latencies: number[] = [];
  let settled = callers; // the warm-up's
  let pairs = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      let i = 0;
      while (performance.now() < until) {
        const used = 1 + ((c * 7919 + i++ * 104_729) % hold);
        const t = performance.now();
        await pair(setup.ledger, used);
        latencies.push(performance.now() - t);
        settled += used;
        pairs++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const check = await audit(setup.store);
  await tearDown(setup);
  latencies.sort((a, b) => a - b);
  if (check.used !== settled) throw new Error(`${backend}: used ${check.used} but ${settled} were settled`);
  if (check.over > 0)
    throw new Error(`${backend}: the journal shows used + held ${check.over} past the limit`);
  return {
    backend,
    phase: 'ample limit',
    callers,
    pairs,
    'pairs/s': Math.round(pairs / elapsed),
    'p50 ms': percentile(latencies, 50),
    'p99 ms': percentile(latencies, 99),
    refused: 0,
    'used / limit': 'ample',
    overspend: Math.max(0, check.over),
    'used = settled': 'yes',
  };
}

/** Races the callers into a limit that runs out: every refusal must come before any overspend. */
async function exhaustion(backend: string, database: () => Promise<string>, callers: number): Promise<Row> {
  const limit = 200_000;
  const setup = await setUp(await database(), limit);
  let settled = 0;
  let pairs = 0;
  let refused = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; ; i++) {
        const used = 1 + ((c * 7919 + i * 104_729) % hold);
        try {
          await pair(setup.ledger, used);
        } catch (error) {
          if ((error as { code?: string }).code !== 'QUOTA_EXCEEDED') throw error;
          refused++;
          return;
        }
        settled += used;
        pairs++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const check = await audit(setup.store);
  await tearDown(setup);
  if (check.used !== settled) throw new Error(`${backend}: used ${check.used} but ${settled} were settled`);
  if (check.over > 0 || check.used > limit)
    throw new Error(`${backend}: overspent (${check.used} of ${limit})`);
  return {
    backend,
    phase: 'limit runs out',
    callers,
    pairs,
    'pairs/s': Math.round(pairs / elapsed),
    'p50 ms': '',
    'p99 ms': '',
    refused,
    'used / limit': `${check.used.toLocaleString('en-US')} / ${limit.toLocaleString('en-US')}`,
    overspend: Math.max(0, check.over),
    'used = settled': 'yes',
  };
}

const wanted = (process.env.BACKENDS ?? 'pglite,postgres').split(',');
const callerCounts = (process.env.CALLERS ?? '10,50').split(',').map(Number);
const backends: Array<[string, () => Promise<string>]> = wanted.includes('pglite')
  ? [['pglite', async () => 'memory://']]
  : [];
const dropped: Array<() => Promise<void>> = [];
if (!wanted.includes('postgres')) {
  // Not asked for.
} else if (await postgresReachable()) {
  backends.push([
    'postgres',
    async () => {
      const db = await createTestDatabase('bench_ledger');
      dropped.push(() => db.drop());
      return db.url;
    },
  ]);
} else {
  process.stderr.write('PostgreSQL at 127.0.0.1:5432 is not reachable: measuring the embedded store only.\n');
}

const rows: Row[] = [];
try {
  for (const [name, database] of backends) {
    for (const callers of callerCounts) {
      process.stderr.write(`${name}, ${callers} callers, ${seconds} s…\n`);
      rows.push(await throughput(name, database, callers));
    }
    rows.push(await exhaustion(name, database, 50));
  }
} finally {
  for (const drop of dropped) await drop().catch(() => {});
}
report('ledger', rows, { seconds, holdPerCall: hold, targetPostgresPairsPerSecond: 3000 });
