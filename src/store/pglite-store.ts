import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataDirLock } from './data-dir-lock.js';
import { Mutex } from './mutex.js';
import { pgliteSettings, pgliteTemplate } from './pglite-template.js';
import { type PgliteWorkerClient, startPgliteWorker } from './pglite-worker-client.js';
import {
  checkChannel,
  type ListenOptions,
  type QueryResult,
  type Row,
  type Store,
  type TxSql,
  txSql,
} from './store.js';
import { type StoreHealth, type StoreHealthListener, StoreHealthMonitor } from './store-health.js';

export interface PgliteStoreOptions {
  /** Directory holding the data; in memory (lost on close) when absent. */
  readonly dataDir?: string | undefined;
}

/**
 * The embedded store: PGlite on a worker thread. It has one connection, so every query and every
 * transaction takes a turn on a mutex; keep transactions short (step writes are staged for this
 * reason, never held open across a provider call).
 *
 * Layout of a data directory: `holdfast.lock` (see DataDirLock) and `pgdata/` (PGlite's files).
 */
export class PgliteStore implements Store {
  readonly kind = 'pglite' as const;
  readonly shared = false;
  readonly description: string;
  readonly #worker: PgliteWorkerClient;
  readonly #lock: DataDirLock | undefined;
  readonly #mutex = new Mutex();
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  readonly #health = new StoreHealthMonitor();
  #closed = false;

  private constructor(worker: PgliteWorkerClient, lock: DataDirLock | undefined, description: string) {
    this.#worker = worker;
    this.#lock = lock;
    this.description = description;
    worker.onNotify((channel, payload) => {
      for (const fn of this.#listeners.get(channel) ?? []) fn(payload);
    });
  }

  static async open(options: PgliteStoreOptions = {}): Promise<PgliteStore> {
    if (options.dataDir === undefined) {
      const worker = await startPgliteWorker({
        templatePath: await pgliteTemplate(),
        postgresqlconf: [...pgliteSettings],
      });
      return new PgliteStore(worker, undefined, 'PGlite in memory');
    }
    const dataDir = resolve(options.dataDir);
    const lock = DataDirLock.acquire(dataDir);
    try {
      const pgdata = join(dataDir, 'pgdata');
      const fresh = !existsSync(join(pgdata, 'PG_VERSION'));
      const worker = await startPgliteWorker({
        dataDir: pgdata,
        templatePath: fresh ? await pgliteTemplate() : undefined,
        postgresqlconf: [...pgliteSettings],
      });
      return new PgliteStore(worker, lock, `PGlite at ${dataDir}`);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  get health(): StoreHealth {
    return this.#health.current;
  }

  onHealthChange(listener: StoreHealthListener): () => void {
    return this.#health.onChange(listener);
  }

  query<R = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.#mutex.run(() => this.#query<R>(text, params));
  }

  transaction<T>(fn: (tx: TxSql) => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      await this.#query('begin', []);
      let value: T;
      try {
        value = await fn(
          txSql(
            (text, params) => this.#query(text, params ?? []),
            async (sql) => {
              await this.#worker.call('exec', { sql });
            },
          ),
        );
      } catch (error) {
        await this.#query('rollback', []).catch(() => {});
        throw error;
      }
      await this.#query('commit', []);
      return value;
    });
  }

  exec(sql: string): Promise<void> {
    return this.#mutex.run(async () => {
      await this.#worker.call('exec', { sql });
    });
  }

  async listen(channel: string, onMessage: (payload: string) => void, _options?: ListenOptions) {
    let set = this.#listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(channel, set);
      await this.#mutex.run(() => this.#worker.call('listen', { channel: checkChannel(channel) }));
    }
    set.add(onMessage);
    return async () => {
      set.delete(onMessage);
      if (set.size === 0 && this.#listeners.get(channel) === set && !this.#closed) {
        this.#listeners.delete(channel);
        await this.#mutex.run(() => this.#worker.call('unlisten', { channel: checkChannel(channel) }));
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#mutex.run(() => this.#worker.call('close', {}));
    } finally {
      await this.#worker.terminate();
      this.#lock?.release();
    }
  }

  async #query<R>(text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const args = params.length === 0 ? [] : params.map((p) => (p === undefined ? null : p));
    return (await this.#worker.call('query', { sql: text, params: args })) as QueryResult<R>;
  }
}
