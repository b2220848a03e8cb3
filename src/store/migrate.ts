import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './store.js';

export interface Migration {
  readonly version: string;
  readonly name: string;
  readonly sql: string;
}

export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was already up to date). */
  readonly applied: string[];
  readonly current: string | undefined;
}

/** Arbitrary constant naming "the Holdfast migration lock" among advisory locks. */
const migrationLockKey = 0x48_46_4d_47; // 'HFMG'

const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The migrations shipped with the package: `NNNN_name.sql`, applied in order. */
export function bundledMigrations(dir = migrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: file.slice(0, 4),
      name: file.slice(5, -4),
      sql: readFileSync(`${dir}${file}`, 'utf8'),
    }));
}

/**
 * Brings the `holdfast` schema up to date in one transaction. An advisory lock taken first makes
 * concurrent starts safe: the second process waits, then finds everything applied.
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = bundledMigrations(),
): Promise<MigrateResult> {
  return store.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [migrationLockKey]);
    await tx.exec(`
      create schema if not exists holdfast;
      create table if not exists holdfast.schema_migrations (
        version text primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );`);
    const done = new Set(
      (await tx.query<{ version: string }>('select version from holdfast.schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new Error(
          `Migration ${migration.version}_${migration.name} failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      await tx.query('insert into holdfast.schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    const all = [...done, ...applied].sort();
    return { applied, current: all.at(-1) };
  });
}
