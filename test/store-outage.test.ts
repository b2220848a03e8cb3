import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isHoldfastError } from '../src/errors/holdfast-error.js';
import { openStore } from '../src/store/open-store.js';
import type { Store, StoreHealth } from '../src/store/store.js';
import { backends } from './support/backends.js';
import { adminUrl } from './support/postgres.js';

const postgres = backends.find((b) => b.name === 'postgres')!;

/** Kills every server connection of `database` but the caller's, as a restart or failover does. */
async function terminateConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = $1 and pid <> pg_backend_pid()`,
      [database],
    );
    return rows.length;
  } finally {
    await admin.end();
  }
}

const stores: Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => {})));
});

describe.runIf(postgres.available)('PostgreSQL connections lost under the store', () => {
  it('fails the operation in progress with DATABASE_UNAVAILABLE, never the process, and recovers', async () => {
    const url = await postgres.database();
    const name = new URL(url).pathname.slice(1);
    const store = await openStore(url, { poolSize: 4 });
    stores.push(store);
    const changes: StoreHealth[] = [];
    store.onHealthChange((health) => changes.push(health));
    let uncaught: unknown;
    const onUncaught = (error: unknown) => {
      uncaught = error;
    };
    process.on('uncaughtException', onUncaught);
    try {
      // A transaction holds a checked-out connection, idle between two statements, when the
      // server drops it: the connection's `error` event must find a listener.
      let release!: () => void;
      const paused = new Promise<void>((resolve) => {
        release = resolve;
      });
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => {
        inside = resolve;
      });
      const tx = store.transaction(async (sql) => {
        await sql.query('select 1');
        inside();
        await paused;
        await sql.query('select 2');
      });
      // Meanwhile two plain queries are in flight on other connections.
      await entered;
      const sleeping = [store.query('select pg_sleep(5)'), store.query('select pg_sleep(5)')];
      const settled = Promise.allSettled([tx, ...sleeping]);
      await new Promise((r) => setTimeout(r, 100));
      expect(await terminateConnections(name)).toBeGreaterThanOrEqual(3);
      // Let the socket errors arrive before the transaction touches its dead connection.
      await new Promise((r) => setTimeout(r, 100));
      release();
      const outcomes = await settled;
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason;
        expect(isHoldfastError(reason), String(reason)).toBe(true);
        expect(reason.code).toBe('DATABASE_UNAVAILABLE');
        expect(reason.recommendations('fr').length).toBeGreaterThan(0);
      }
      expect(store.health.state).toBe('down');
      // The next query gets a fresh connection, and the store says it is back, once.
      expect((await store.query<{ n: number }>('select 1::int as n')).rows[0]!.n).toBe(1);
      await store.transaction((sql) => sql.query('select 1'));
      expect(store.health.state).toBe('up');
      expect(changes.map((c) => c.state)).toEqual(['down', 'up']);
      expect(uncaught).toBeUndefined();
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
