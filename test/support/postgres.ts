import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgliteTemplate } from '../../src/store/pglite-template.js';

/**
 * PostgreSQL for the test suite. Every test file that needs it gets a database of its own,
 * created fresh and dropped at the end, so runs never see each other's data.
 *
 * HOLDFAST_TEST_PG_URL points at the server (default postgres://postgres@127.0.0.1:5432/postgres).
 * In CI (CI=true) an unreachable server fails the run; elsewhere the PostgreSQL half of the
 * storage suites is skipped with a warning.
 */
export const adminUrl = process.env.HOLDFAST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let reachable: Promise<boolean> | undefined;

export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

export async function prepareTestEnvironment(): Promise<void> {
  const ok = await postgresReachable();
  if (!ok && process.env.CI) {
    throw new Error(`CI: PostgreSQL is required but ${adminUrl} cannot be reached`);
  }
  if (!ok)
    process.stderr.write(
      `\n[holdfast tests] PostgreSQL at ${adminUrl} unreachable: PostgreSQL suites skipped\n`,
    );
  await pgliteTemplate();
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates an empty database for one test file. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `hf_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
