import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../src/errors/holdfast-error.js';
import { isUniqueViolation } from '../src/store/database-error.js';
import { bundledMigrations, migrate } from '../src/store/migrate.js';
import { openStore } from '../src/store/open-store.js';
import { PgliteStore } from '../src/store/pglite-store.js';
import { backends } from './support/backends.js';

for (const backend of backends) {
  describe.runIf(backend.available)(`store on ${backend.name}`, () => {
    it('returns the same value types on both databases', async () => {
      const store = await backend.store();
      const { rows } = await store.query<Record<string, unknown>>(
        `select 9007199254740991::int8 as big, 12.5::numeric as num, '{"a":[1,2]}'::jsonb as doc,
                '2026-01-02T03:04:05Z'::timestamptz as at, array[1,2]::int8[] as arr, null::text as nothing`,
      );
      expect(rows[0]).toEqual({
        big: 9007199254740991,
        num: 12.5,
        doc: { a: [1, 2] },
        at: new Date('2026-01-02T03:04:05Z'),
        arr: [1, 2],
        nothing: null,
      });
      const echoed = await store.query<{ j: unknown; t: Date }>(
        'select $1::jsonb as j, $2::timestamptz as t',
        [JSON.stringify({ x: 1 }), new Date(0)],
      );
      expect(echoed.rows[0]).toEqual({ j: { x: 1 }, t: new Date(0) });
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      const store = await backend.store();
      await store.query('create table t_tx (v int primary key)');
      await store.transaction(async (tx) => {
        await tx.query('insert into t_tx values (1)');
      });
      await expect(
        store.transaction(async (tx) => {
          await tx.query('insert into t_tx values (2)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await store.query<{ v: number }>('select v from t_tx order by v');
      expect(rows.map((r) => r.v)).toEqual([1]);
    });

    it('rolls back only the failing savepoint of a transaction', async () => {
      const store = await backend.store();
      await store.query('create table t_sp (v int primary key)');
      await store.transaction(async (tx) => {
        await tx.query('insert into t_sp values (1)');
        const error = await tx
          .savepoint(async (sp) => {
            await sp.query('insert into t_sp values (2)');
            await sp.query('insert into t_sp values (1)');
          })
          .catch((e: unknown) => e);
        expect(isUniqueViolation(error)).toBe(true);
        await tx.query('insert into t_sp values (3)');
      });
      const { rows } = await store.query<{ v: number }>('select v from t_sp order by v');
      expect(rows.map((r) => r.v)).toEqual([1, 3]);
    });

    it('delivers a NOTIFY only when its transaction commits', async () => {
      const store = await backend.store();
      const received: string[] = [];
      const unlisten = await store.listen('hf_test_channel', (payload) => received.push(payload));
      await store.transaction(async (tx) => {
        await tx.query(`select pg_notify('hf_test_channel', 'kept')`);
      });
      await store
        .transaction(async (tx) => {
          await tx.query(`select pg_notify('hf_test_channel', 'dropped')`);
          throw new Error('rollback');
        })
        .catch(() => {});
      await store.query(`select pg_notify('hf_test_channel', 'plain')`);
      await waitFor(() => received.length >= 2);
      expect(received).toEqual(['kept', 'plain']);
      await unlisten();
      await store.query(`select pg_notify('hf_test_channel', 'after')`);
      await new Promise((r) => setTimeout(r, 50));
      expect(received).toEqual(['kept', 'plain']);
    });

    it('applies migrations once', async () => {
      const store = await backend.store();
      const again = await migrate(store);
      expect(again.applied).toEqual([]);
      expect(again.current).toBe(bundledMigrations().at(-1)?.version);
      const { rows } = await store.query<{ n: number }>(
        'select count(*)::int as n from holdfast.schema_migrations',
      );
      expect(rows[0]?.n).toBe(bundledMigrations().length);
    });

    it('reports database errors with their SQLSTATE', async () => {
      const store = await backend.store();
      await expect(store.query('select 1/0')).rejects.toMatchObject({ code: '22012', name: 'DatabaseError' });
      await expect(store.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
    });
  });
}

describe.runIf(backends[1]!.available)('store on postgres only', () => {
  it('is migrated safely by several processes starting together', async () => {
    const url = await backends[1]!.database();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url, { poolSize: 2 })));
    try {
      const results = await Promise.all(stores.map((s) => migrate(s)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(bundledMigrations().map((m) => m.version));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('re-establishes LISTEN after its connection is killed, and says so', async () => {
    const store = await backends[1]!.store();
    const received: string[] = [];
    let reconnects = 0;
    await store.listen('hf_reconnect', (p) => received.push(p), { onReconnect: () => reconnects++ });
    await store.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`,
    );
    await waitFor(() => reconnects === 1, 10_000);
    await store.query(`select pg_notify('hf_reconnect', 'back')`);
    await waitFor(() => received.includes('back'));
  });
});

describe('embedded store', () => {
  it('keeps data in its directory across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-store-'));
    const first = await openStore(dir);
    await first.query('create table kept (v text)');
    await first.query(`insert into kept values ('still here')`);
    await first.close();
    const second = await openStore(dir);
    const { rows } = await second.query<{ v: string }>('select v from kept');
    expect(rows).toEqual([{ v: 'still here' }]);
    await second.close();
  });

  it('refuses a second opener of the same directory at once, naming the holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-lock-'));
    const first = await PgliteStore.open({ dataDir: dir });
    try {
      const started = Date.now();
      const error = await PgliteStore.open({ dataDir: dir }).catch((e: unknown) => e);
      expect(hasCode(error, 'STORE_LOCKED')).toBe(true);
      expect(Date.now() - started).toBeLessThan(1000);
      // Another process is refused too, with the holder's pid in the message.
      const child = await runNode(
        `import { openStore } from ${JSON.stringify(new URL('../src/store/open-store.ts', import.meta.url).href)};
         try { await openStore(${JSON.stringify(dir)}); console.log('opened'); }
         catch (e) { console.log(e.code, e.message); }`,
      );
      expect(child).toContain('STORE_LOCKED');
      expect(child).toContain(`pid ${process.pid}`);
    } finally {
      await first.close();
    }
    // Released on close: it opens again.
    const again = await PgliteStore.open({ dataDir: dir });
    await again.close();
  });

  it('takes over a lock left behind by a dead process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-stale-'));
    const store = await PgliteStore.open({ dataDir: dir });
    await store.close();
    writeFileSync(
      join(dir, 'holdfast.lock'),
      JSON.stringify({ pid: 2 ** 22 + 7, host: (await import('node:os')).hostname(), since: 'x' }),
    );
    const reopened = await PgliteStore.open({ dataDir: dir });
    expect(JSON.parse(readFileSync(join(dir, 'holdfast.lock'), 'utf8')).pid).toBe(process.pid);
    await reopened.close();
  });

  it('keeps the main thread free while the database works', async () => {
    const store = await openStore('memory://');
    try {
      const began = performance.now();
      const busy = store.query('select pg_sleep(1)');
      const ticks: number[] = [];
      let done = false;
      void busy.then(() => {
        done = true;
      });
      while (!done) {
        await new Promise((r) => setTimeout(r, 20));
        ticks.push(performance.now() - began);
      }
      // Timers kept firing while the query ran: it runs on the worker thread, not on this one
      // (on this thread, not one would have fired before the query's end).
      expect(ticks.filter((t) => t < 900).length).toBeGreaterThan(2);
    } finally {
      await store.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function runNode(source: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}
