import pg from 'pg';
import { holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import { DatabaseError } from './database-error.js';
import { databaseUnavailable, isDatabaseUnavailable, openFailure } from './database-failure.js';
import {
  checkChannel,
  type ListenOptions,
  type QueryOptions,
  type QueryResult,
  type Row,
  type Store,
  type TxSql,
  txSql,
} from './store.js';
import { type StoreHealth, type StoreHealthListener, StoreHealthMonitor } from './store-health.js';

export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db` */
  readonly url: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Give up connecting after this long (default 5 s), so an unreachable database fails fast. */
  readonly connectTimeoutMs?: number;
  /**
   * Give up waiting for a query's answer after this long (default: never). A partition — a link
   * that stops answering without a reset — otherwise leaves a query waiting for as long as TCP
   * keeps the dead connection, which can be many minutes.
   */
  readonly queryTimeoutMs?: number;
  /**
   * Ask the server to end a session left idle inside a transaction for this long (default: never),
   * so that a client cut off mid-transaction does not hold its row locks until TCP gives up.
   */
  readonly idleInTransactionTimeoutMs?: number;
  /**
   * Where to report connection errors that are not an outage (an outage shows in `health`, once,
   * however many connections it breaks). Default: stderr.
   */
  readonly onError?: (error: Error) => void;
}

// text[] (oid 1009) is not among the TypeId builtins pg's types list, hence the cast.
const textArray = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0]);
const toNumber = (value: string) => Number(value);
const toNumbers = (value: string) =>
  (textArray(value) as Array<string | null>).map((v) => (v === null ? null : Number(v)));

/** int8 and numeric as numbers, like the embedded store (counts and amounts stay below 2^53). */
const typeOverrides: Record<number, (value: string) => unknown> = {
  20: toNumber, // int8
  1700: toNumber, // numeric
  1016: toNumbers, // int8[]
  1231: toNumbers, // numeric[]
};

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    typeOverrides[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * The shared store: a pg pool on a PostgreSQL server that any number of Holdfast processes use
 * together. LISTEN runs on one dedicated connection that reconnects by itself and tells listeners
 * when it did, so they can catch up on what they missed.
 *
 * Every connection carries an `error` listener for its whole life — idle in the pool, checked out
 * for a transaction, or dedicated to LISTEN. pg emits `error` on a client whose socket dies, and
 * an `error` event without a listener kills the process: a database restart must cost a delay,
 * never the process. The operation in progress fails with DATABASE_UNAVAILABLE instead.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly shared = true;
  readonly description: string;
  readonly #pool: pg.Pool;
  readonly #config: pg.ClientConfig;
  readonly #onError: (error: Error) => void;
  readonly #channels = new Map<
    string,
    Set<{ fn: (payload: string) => void; options?: ListenOptions | undefined }>
  >();
  readonly #health = new StoreHealthMonitor(() => this.query('select 1'));
  #listener: pg.Client | undefined;
  #listenerReady: Promise<pg.Client> | undefined;
  #closed = false;

  private constructor(options: PostgresStoreOptions) {
    this.#config = {
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // A peer that vanished without a reset (a partition) is noticed by TCP keepalive.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(options.queryTimeoutMs === undefined ? {} : { query_timeout: options.queryTimeoutMs }),
      ...(options.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }),
      types,
    };
    this.#pool = new pg.Pool({ ...this.#config, max: options.poolSize ?? 10 });
    this.#onError =
      options.onError ?? ((error) => process.stderr.write(`holdfast: database: ${error.message}\n`));
    // Idle clients report through the pool; checked-out ones through their own listener below.
    this.#pool.on('error', (error) => this.#connectionError(error));
    this.#pool.on('connect', (client) => {
      client.on('error', (error) => this.#connectionError(error));
    });
    this.description = `PostgreSQL ${redact(options.url)}`;
  }

  /** Connects (checking the server answers) and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw holdfastError('CONFIG_INVALID', {
        option: 'database',
        problem: 'is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)',
        problemFr: "n'est pas une URL PostgreSQL valide (postgres://utilisateur:motdepasse@hôte:5432/base)",
        value: redact(options.url),
      });
    }
    const store = new PostgresStore(options);
    try {
      await store.#pool.query('select 1');
    } catch (error) {
      await store.#pool.end().catch(() => {});
      throw openFailure(error, store.description, url);
    }
    return store;
  }

  get health(): StoreHealth {
    return this.#health.current;
  }

  onHealthChange(listener: StoreHealthListener): () => void {
    return this.#health.onChange(listener);
  }

  async query<R = Row>(
    text: string,
    params: readonly unknown[] = [],
    options?: QueryOptions,
  ): Promise<QueryResult<R>> {
    let result: pg.QueryResult;
    try {
      result = await this.#pool.query(statement(text, params, options));
    } catch (error) {
      throw this.#failure(error, text);
    }
    this.#health.markUp();
    return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
  }

  async transaction<T>(fn: (tx: TxSql) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#failure(error, 'connect');
    }
    let broken = false;
    try {
      await client.query('begin');
      const tx = txSql(
        async (text, params, options) => {
          try {
            const result = await client.query(statement(text, params ?? [], options));
            return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
          } catch (error) {
            throw this.#failure(error, text);
          }
        },
        async (sql) => {
          try {
            await client.query(sql);
          } catch (error) {
            throw this.#failure(error, sql);
          }
        },
      );
      let value: T;
      try {
        value = await fn(tx as TxSql);
      } catch (error) {
        await client.query('rollback').catch(() => {
          broken = true;
        });
        throw error;
      }
      await client.query('commit');
      this.#health.markUp();
      return value;
    } catch (error) {
      // A connection that failed mid-transaction is not given back to the pool.
      if (isDatabaseUnavailable(error)) broken = true;
      throw this.#failure(error, 'commit');
    } finally {
      client.release(broken);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  async listen(channel: string, fn: (payload: string) => void, options?: ListenOptions) {
    checkChannel(channel);
    const entry = { fn, options };
    let set = this.#channels.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#channels.set(channel, set);
      const client = await this.#connectListener();
      await client.query(`listen ${channel}`);
    }
    set.add(entry);
    return async () => {
      set.delete(entry);
      if (set.size === 0 && this.#channels.get(channel) === set) {
        this.#channels.delete(channel);
        await this.#listener?.query(`unlisten ${channel}`).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#pool.end();
  }

  /** Turns a driver error into what callers handle: DATABASE_UNAVAILABLE or a DatabaseError. */
  #failure(error: unknown, query: string): Error {
    const unavailable = databaseUnavailable(error, {
      database: this.description,
      operation: query === 'commit' || query === 'connect' ? query : 'query',
      downForMs: this.#health.downForMs(),
    });
    if (unavailable === undefined) return wrap(error, query);
    if (!this.#closed) this.#health.markDown(unavailable);
    return unavailable;
  }

  /** An `error` event of a connection: an outage shows in `health`; anything else is reported. */
  #connectionError(error: Error): void {
    const unavailable = databaseUnavailable(error, { database: this.description });
    if (unavailable === undefined) this.#onError(error);
    else if (!this.#closed) this.#health.markDown(unavailable);
  }

  #connectListener(): Promise<pg.Client> {
    this.#listenerReady ??= (async () => {
      const client = new pg.Client(this.#config);
      client.on('notification', (message) => {
        for (const { fn } of this.#channels.get(message.channel) ?? []) fn(message.payload ?? '');
      });
      client.on('error', (error) => this.#connectionError(error));
      client.on('end', () => {
        if (this.#listener === client) this.#listener = undefined;
        this.#listenerReady = undefined;
        if (!this.#closed) void this.#reconnect(1);
      });
      await client.connect();
      this.#listener = client;
      return client;
    })().catch((error: unknown) => {
      this.#listenerReady = undefined;
      throw error;
    });
    return this.#listenerReady;
  }

  /** Re-establishes LISTEN after the connection dropped, with a capped backoff. */
  async #reconnect(attempt: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** (attempt - 1))));
    if (this.#closed || this.#channels.size === 0) return;
    try {
      const client = await this.#connectListener();
      for (const channel of this.#channels.keys()) await client.query(`listen ${channel}`);
      for (const set of this.#channels.values()) for (const { options } of set) options?.onReconnect?.();
    } catch (error) {
      // Still down: health already says so; try again later without a log line per attempt.
      if (!isDatabaseUnavailable(error)) this.#onError(error as Error);
      void this.#reconnect(attempt + 1);
    }
  }
}

function statement(
  text: string,
  params: readonly unknown[],
  options: QueryOptions | undefined,
): pg.QueryConfig {
  return options?.prepare
    ? { name: options.prepare, text, values: params as unknown[] }
    : { text, values: params as unknown[] };
}

function wrap(error: unknown, query: string): Error {
  if (error instanceof DatabaseError || isHoldfastError(error)) return error;
  const e = error as { message?: string; code?: unknown } & Record<string, unknown>;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    const { detail, constraint, table, column, hint } = e;
    return new DatabaseError(
      { message: e.message ?? String(error), code: e.code, detail, constraint, table, column, hint },
      query,
    );
  }
  return error as Error;
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
