import type { StoreHealth, StoreHealthListener } from './store-health.js';

/**
 * One interface over the two databases Holdfast runs on: embedded PGlite and a shared PostgreSQL.
 * All SQL is written once, in the PostgreSQL dialect. Values come back with the same JS types on
 * both: int8 and numeric as numbers, timestamptz as Date, jsonb parsed.
 */

export type Row = Record<string, unknown>;

export interface QueryResult<R = Row> {
  readonly rows: R[];
  /** Rows inserted, updated or deleted; rows returned for a SELECT. */
  readonly rowCount: number;
}

export interface QueryOptions {
  /**
   * Names a hot statement so PostgreSQL prepares it once per connection and can reuse its plan
   * (planning a large statement can cost more than running it). Only for fixed SQL texts.
   */
  readonly prepare?: string;
}

/** The query handle pipelines get as `ctx.sql` and in `ctx.write`: the interface pg and PGlite share. */
export interface Sql {
  query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

/** A handle inside a transaction; `savepoint` isolates a part that may fail on its own. */
export interface TxSql extends Sql {
  savepoint<T>(fn: (sql: TxSql) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type StoreKind = 'pglite' | 'postgres';

export type { StoreHealth, StoreHealthListener } from './store-health.js';

export interface ListenOptions {
  /**
   * Called after the listening connection was lost and re-established: notifications sent in
   * between are lost, so the listener should look at the database for what it missed.
   */
  readonly onReconnect?: () => void;
}

export interface Store extends Sql {
  readonly kind: StoreKind;
  /** For logs and errors: where the data lives, without credentials. */
  readonly description: string;
  /** Whether other processes can share this database (PostgreSQL) or not (embedded PGlite). */
  readonly shared: boolean;
  /**
   * Whether the database answers, as seen by the last round trips. Queries made while it is down
   * fail with DATABASE_UNAVAILABLE (PostgreSQL) or STORE_UNWRITABLE (embedded, disk full).
   */
  readonly health: StoreHealth;
  /** Called once per change of `health` (down, then up again). */
  onHealthChange(listener: StoreHealthListener): () => void;
  /** Runs `fn` in a transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: TxSql) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons, without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Delivers NOTIFYs on `channel` until the returned function is called. */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Runs `fn` inside a savepoint of `tx`, rolling back only that part when it throws. */
export async function withSavepoint<T>(tx: Sql, name: string, fn: () => Promise<T>): Promise<T> {
  await tx.query(`savepoint ${name}`);
  try {
    const value = await fn();
    await tx.query(`release savepoint ${name}`);
    return value;
  } catch (error) {
    await tx.query(`rollback to savepoint ${name}`);
    await tx.query(`release savepoint ${name}`);
    throw error;
  }
}

/** Makes a TxSql out of a plain query function running on one connection inside a transaction. */
export function txSql(query: Sql['query'], exec: (sql: string) => Promise<void>): TxSql {
  let depth = 0;
  const handle: TxSql = {
    query,
    exec,
    savepoint: async (fn) => {
      depth += 1;
      try {
        return await withSavepoint(handle, `hf_sp_${depth}`, () => fn(handle));
      } finally {
        depth -= 1;
      }
    },
  };
  return handle;
}

/** Channels are plain lower-case identifiers, so they need no quoting in LISTEN. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new RangeError(`invalid channel name '${channel}'`);
  return channel;
}
