import { PgliteStore } from './pglite-store.js';
import { PostgresStore } from './postgres-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Connections in the pool for PostgreSQL (default 10). */
  readonly poolSize?: number;
  readonly onError?: (error: Error) => void;
  /** PostgreSQL: see PostgresStoreOptions.queryTimeoutMs. */
  readonly queryTimeoutMs?: number;
  /** PostgreSQL: see PostgresStoreOptions.idleInTransactionTimeoutMs. */
  readonly idleInTransactionTimeoutMs?: number;
}

/**
 * Opens the database named by `database`:
 * - `postgres://…` or `postgresql://…`: a shared PostgreSQL;
 * - `memory://`: embedded PGlite in memory, gone on close (tests, demos);
 * - anything else: a directory for embedded PGlite (created if missing), e.g. `.holdfast`.
 */
export async function openStore(database: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    return PostgresStore.open({ url: database, ...options });
  }
  if (database === 'memory://' || database === ':memory:') return PgliteStore.open();
  const dir = database.startsWith('file://') ? new URL(database).pathname : database;
  if (dir.trim() === '') throw new RangeError('database must be a PostgreSQL URL, a directory or memory://');
  return PgliteStore.open({ dataDir: dir });
}
