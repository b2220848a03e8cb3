import { holdfastError } from '../errors/holdfast-error.js';
import { bundledMigrations } from './migrate.js';
import type { Sql, Store } from './store.js';

export interface SchemaStatus {
  /** The newest migration applied, null when the database has no Holdfast schema. */
  readonly current: string | null;
  /** The newest migration this version of Holdfast ships. */
  readonly expected: string;
  /** Shipped migrations not applied yet (all of them on an empty database). */
  readonly pending: readonly string[];
}

/** Reads which migrations a database has, without creating or changing anything. */
export async function schemaStatus(sql: Sql): Promise<SchemaStatus> {
  const shipped = bundledMigrations().map((m) => m.version);
  const expected = shipped.at(-1) ?? '0000';
  const { rows: table } = await sql.query<{ found: string | null }>(
    `select to_regclass('holdfast.schema_migrations')::text as found`,
  );
  if (!table[0]?.found) return { current: null, expected, pending: shipped };
  const { rows } = await sql.query<{ version: string }>('select version from holdfast.schema_migrations');
  const applied = new Set(rows.map((r) => r.version));
  const current = [...applied].sort().at(-1) ?? null;
  return { current, expected, pending: shipped.filter((v) => !applied.has(v)) };
}

/**
 * Refuses a database whose schema is absent or older than this version needs, with
 * SCHEMA_NOT_MIGRATED pointing to `holdfast migrate`. Commands that only read (and the API when
 * it is told not to migrate) call this instead of migrating: they never change a database.
 */
export async function assertSchemaCurrent(store: Store): Promise<SchemaStatus> {
  const status = await schemaStatus(store);
  if (status.pending.length > 0) {
    throw holdfastError('SCHEMA_NOT_MIGRATED', {
      database: store.description,
      current: status.current,
      expected: status.expected,
    });
  }
  return status;
}
