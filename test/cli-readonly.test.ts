import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { bundledMigrations, migrate } from '../src/store/migrate.js';
import { openStore } from '../src/store/open-store.js';
import { serverPipelines } from './fixtures/server-pipelines.js';
import { backends } from './support/backends.js';
import { runCli } from './support/cli.js';
import { waitForState } from './support/holdfast.js';

/**
 * Issue 12, item 7: commands that read never change a database — on one without Holdfast's
 * schema, or with an older one, they say so and point to `holdfast migrate`. Item 5 (ids):
 * every command takes a full job id or a unique prefix; an ambiguous prefix is AMBIGUOUS_ID.
 */

const run = async (args: string[]) => {
  const cli = runCli(args);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
};

const latest = bundledMigrations().at(-1)!.version;
const postgres = backends.find((b) => b.name === 'postgres')!;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0)) await fn().catch(() => {});
});

async function schemaOf(url: string): Promise<{ tables: number; versions: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(*)::int as n from information_schema.tables where table_schema = 'holdfast'`,
    );
    const hasMigrations = (await client.query(`select to_regclass('holdfast.schema_migrations') as t`))
      .rows[0].t;
    const versions = hasMigrations
      ? (await client.query('select version from holdfast.schema_migrations order by version')).rows.map(
          (r) => r.version,
        )
      : [];
    return { tables: rows[0].n, versions };
  } finally {
    await client.end();
  }
}

describe.runIf(postgres.available)(
  'read-only commands on a database without the current schema (PostgreSQL)',
  () => {
    const commands = [
      ['jobs', 'list'],
      ['jobs', 'show', '019a7c3e'],
      ['quotas', 'status'],
      ['keys', 'list'],
    ];

    it('refuse an empty database with SCHEMA_NOT_MIGRATED and create nothing in it', async () => {
      const url = await postgres.database();
      for (const command of commands) {
        const result = await run([...command, '--database', url]);
        expect(result.code, command.join(' ')).toBe(1);
        expect(result.stderr).toContain('SCHEMA_NOT_MIGRATED');
        expect(result.stderr).toContain('has no Holdfast schema');
        expect(result.stderr).toContain('holdfast migrate');
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
      expect(await schemaOf(url)).toEqual({ tables: 0, versions: [] });
    }, 60_000);

    it('refuse an older schema without upgrading it', async () => {
      const url = await postgres.database();
      const store = await openStore(url);
      try {
        await migrate(store, bundledMigrations().slice(0, 1));
      } finally {
        await store.close();
      }
      const before = await schemaOf(url);
      expect(before.versions).toEqual(['0001']);
      for (const command of commands) {
        const result = await run([...command, '--database', url]);
        expect(result.code, command.join(' ')).toBe(1);
        expect(result.stderr).toContain('SCHEMA_NOT_MIGRATED');
        expect(result.stderr).toContain(`has Holdfast schema 0001, this version needs ${latest}`);
      }
      expect(await schemaOf(url)).toEqual(before);
      const migrated = await run(['migrate', '--database', url]);
      expect(migrated.code).toBe(0);
      expect((await run(['jobs', 'list', '--database', url])).code).toBe(0);
    }, 60_000);
  },
);

describe('read-only commands on an embedded directory that holds no database', () => {
  it('refuse it without creating the directory', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'holdfast-ro-'));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const dir = join(parent, 'nothing-here');
    const result = await run(['jobs', 'list', '--database', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SCHEMA_NOT_MIGRATED');
    expect(result.stderr).toContain('holdfast migrate');
    expect(existsSync(dir)).toBe(false);
  });
});

for (const backend of backends) {
  describe.runIf(backend.available)(
    `job ids: full or a unique prefix, in every command (${backend.name})`,
    () => {
      it('shows, cancels and retries by prefix; an ambiguous prefix names the candidates', async () => {
        let database: string;
        if (backend.name === 'postgres') database = await backend.database();
        else {
          const dir = await mkdtemp(join(tmpdir(), 'holdfast-ids-'));
          cleanups.push(() => rm(dir, { recursive: true, force: true }));
          database = join(dir, 'data');
        }
        const hf = createHoldfast({ database, pipelines: serverPipelines, worker: { poll: '50ms' } });
        let done = '';
        let later = '';
        let failed = '';
        try {
          await hf.start();
          done = (await hf.submit('echo', { n: 2 })).id;
          later = (await hf.submit('echo', { n: 3 }, { runAt: Date.now() + 3_600_000 })).id;
          failed = (await hf.submit('failing', { reason: 'broken on purpose' })).id;
          await waitForState(hf, done, 'succeeded');
          await waitForState(hf, failed, 'failed');
        } finally {
          await hf.close();
        }
        // The shortest prefix that tells each job apart from the two others.
        const unique = (id: string) => {
          const others = [done, later, failed].filter((o) => o !== id);
          for (let n = 1; n <= id.length; n++) {
            if (others.every((o) => !o.startsWith(id.slice(0, n)))) return id.slice(0, Math.max(n, 8));
          }
          return id;
        };
        const show = await run(['jobs', 'show', unique(done), '--database', database, '--json']);
        expect(show.code, show.stderr).toBe(0);
        expect(JSON.parse(show.stdout).id).toBe(done);
        const undashed = await run([
          'jobs',
          'show',
          done.replaceAll('-', '').slice(0, 24),
          '--database',
          database,
        ]);
        expect(undashed.stdout).toContain(done);
        const cancel = await run(['jobs', 'cancel', unique(later), '--database', database]);
        expect(cancel.code, cancel.stderr).toBe(0);
        expect(cancel.stdout).toContain(`Job ${later} is cancelled.`);
        const retry = await run(['jobs', 'retry', unique(failed), '--database', database, '--json']);
        expect(retry.code, retry.stderr).toBe(0);
        expect(JSON.parse(retry.stdout)).toMatchObject({ id: failed, state: 'queued', attempt: 2 });
        // All three were made within the same minutes: their first characters are shared.
        const shared = done.slice(0, 4);
        const ambiguous = await run(['jobs', 'show', shared, '--database', database]);
        expect(ambiguous.code).toBe(1);
        expect(ambiguous.stderr).toContain('AMBIGUOUS_ID');
        expect(ambiguous.stderr).toContain(done);
        const missing = await run(['jobs', 'show', 'fffffff', '--database', database]);
        expect(missing.code).toBe(1);
        expect(missing.stderr).toContain('NOT_FOUND');
      }, 90_000);
    },
  );
}
