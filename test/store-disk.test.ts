import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isHoldfastError } from '../src/errors/holdfast-error.js';
import { migrate } from '../src/store/migrate.js';
import { PgliteStore } from '../src/store/pglite-store.js';
import type { StoreHealth } from '../src/store/store.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Rows a job would write: many, so that the write has to reach the disk. */
const bulkInsert = `insert into payload (pad) select repeat(md5(random()::text), 30) from generate_series(1, 3000)`;

async function contents(dataDir: string): Promise<Record<string, number>> {
  const store = await PgliteStore.open({ dataDir });
  try {
    const { rows } = await store.query<{ pad: string; n: number }>(
      `select pad, count(*)::int as n from payload where length(pad) < 20 group by pad order by pad`,
    );
    return Object.fromEntries(rows.map((r) => [r.pad, r.n]));
  } finally {
    await store.close();
  }
}

describe('the embedded store when its disk cannot write', () => {
  for (const [errno, reason] of [
    ['ENOSPC', 'disk-full'],
    ['EROFS', 'read-only'],
  ] as const) {
    it(`${errno}: every write fails with STORE_UNWRITABLE (${reason}), health goes down then up, nothing is corrupt`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hf-disk-'));
      const store = await PgliteStore.open({ dataDir, faults: true });
      const changes: StoreHealth[] = [];
      store.onHealthChange((health) => changes.push(health));
      await migrate(store);
      await store.query('create table payload (id serial, pad text)');
      await store.query(`insert into payload (pad) values ('before')`);

      await store.injectFault(errno);
      for (const write of [
        () => store.query(bulkInsert),
        () => store.transaction(async (tx) => tx.query(bulkInsert)),
        () => store.query('checkpoint'),
      ]) {
        const error = await rejection(write());
        expect(isHoldfastError(error), String(error)).toBe(true);
        expect(error).toMatchObject({ code: 'STORE_UNWRITABLE', details: { reason, path: dataDir } });
        expect((error as { recommendations(l: string): string[] }).recommendations('fr').join(' ')).toMatch(
          reason === 'disk-full' ? /plein/ : /lecture seule/,
        );
      }
      expect(store.health).toMatchObject({ state: 'down', error: { code: 'STORE_UNWRITABLE' } });

      // Space is back: the same process carries on, and says so once.
      await store.injectFault(null);
      await store.query(`insert into payload (pad) values ('after')`);
      expect(store.health.state).toBe('up');
      expect(changes.map((c) => c.state)).toEqual(['down', 'up']);
      await store.close();

      // A clean reopen: what was committed is there, nothing from the failed writes.
      expect(await contents(dataDir)).toEqual({ after: 1, before: 1 });
      const { rows } = await (async () => {
        const reopened = await PgliteStore.open({ dataDir });
        try {
          return await reopened.query<{ n: number }>('select count(*)::int as n from payload');
        } finally {
          await reopened.close();
        }
      })();
      expect(rows[0]!.n).toBe(2);
      rmSync(dataDir, { recursive: true, force: true });
    }, 60_000);
  }

  // The same on a real file system that fills up: a small tmpfs this test mounts (needs root, as CI runs).
  const root = process.getuid?.() === 0;
  describe.runIf(root)('on a real file system that fills up', () => {
    const mount = mkdtempSync(join(tmpdir(), 'hf-tmpfs-'));
    afterAll(() => {
      try {
        execFileSync('umount', [mount]);
      } catch {
        // Not mounted.
      }
      rmSync(mount, { recursive: true, force: true });
    });

    it('a full disk gives STORE_UNWRITABLE, freeing space lets the same process go on, and it reopens cleanly', async () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', mount]);
      const dataDir = join(mount, 'db');
      mkdirSync(dataDir);
      const store = await PgliteStore.open({ dataDir });
      await migrate(store);
      await store.query('create table payload (id serial, pad text)');
      await store.query(`insert into payload (pad) values ('before')`);
      const filler = join(mount, 'filler');
      const free = statfsSync(mount);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 64 * 1024)));

      const error = await rejection(store.query(bulkInsert));
      expect(error).toMatchObject({ code: 'STORE_UNWRITABLE', details: { reason: 'disk-full' } });
      expect(store.health.state).toBe('down');

      unlinkSync(filler);
      await store.query(`insert into payload (pad) values ('after')`);
      expect(store.health.state).toBe('up');
      await store.close();
      expect(await contents(dataDir)).toEqual({ after: 1, before: 1 });
    }, 60_000);
  });
});
