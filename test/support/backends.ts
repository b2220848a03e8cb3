import { afterAll } from 'vitest';
import { migrate } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresReachable, type TestDatabase } from './postgres.js';

export interface Backend {
  readonly name: 'pglite' | 'postgres';
  /** Whether this backend can run here (PostgreSQL may be absent outside CI). */
  readonly available: boolean;
  /** A URL or `memory://` for createHoldfast / openStore; for PostgreSQL, a fresh database. */
  database(): Promise<string>;
  /** An open, migrated store on a fresh database; closed after the file's tests. */
  store(): Promise<Store>;
}

const reachable = await postgresReachable();
const databases: TestDatabase[] = [];
const stores: Store[] = [];

afterAll(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => {})));
  await Promise.all(databases.splice(0).map((d) => d.drop().catch(() => {})));
});

/** The two databases every storage and runtime suite runs on. */
export const backends: readonly Backend[] = [
  {
    name: 'pglite',
    available: true,
    database: async () => 'memory://',
    store: async () => {
      const store = await openStore('memory://');
      stores.push(store);
      await migrate(store);
      return store;
    },
  },
  {
    name: 'postgres',
    available: reachable,
    database: async () => {
      const db = await createTestDatabase('rt');
      databases.push(db);
      return db.url;
    },
    store: async () => {
      const db = await createTestDatabase('st');
      databases.push(db);
      const store = await openStore(db.url);
      stores.push(store);
      await migrate(store);
      return store;
    },
  },
];
