export { DatabaseError, isUniqueViolation, sqlState } from './database-error.js';
export type { MigrateResult, Migration } from './migrate.js';
export { bundledMigrations, migrate } from './migrate.js';
export type { OpenStoreOptions } from './open-store.js';
export { openStore } from './open-store.js';
export { PgliteStore } from './pglite-store.js';
export { PostgresStore } from './postgres-store.js';
export type { ListenOptions, QueryResult, Row, Sql, Store, StoreKind, TxSql } from './store.js';
