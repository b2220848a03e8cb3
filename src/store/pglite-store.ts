import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HoldfastError, isHoldfastError } from '../errors/holdfast-error.js';
import { DataDirLock } from './data-dir-lock.js';
import { unwritable } from './database-failure.js';
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
  /** Allow `injectFault` (tests of a full or read-only disk). */
  readonly faults?: boolean | undefined;
}

/** Between two attempts to restart an engine that could not write. */
const restartBackoffMs = 1000;

/**
 * The embedded store: PGlite on a worker thread. It has one connection, so every query and every
 * transaction takes a turn on a mutex; keep transactions short (step writes are staged for this
 * reason, never held open across a provider call).
 *
 * When the disk cannot take a write (full, read-only, failing), the operation fails with
 * STORE_UNWRITABLE and `health` goes down. PGlite is not always left usable by such a failure (a
 * failed checkpoint leaves it spinning), so the engine is restarted from the data directory before
 * the next operation — as after a crash, PostgreSQL's recovery replays the WAL, so only committed
 * work is there — once a second at most while the disk still refuses.
 *
 * Layout of a data directory: `holdfast.lock` (see DataDirLock) and `pgdata/` (PGlite's files).
 */
export class PgliteStore implements Store {
  readonly kind = 'pglite' as const;
  readonly shared = false;
  readonly description: string;
  #engine: PgliteWorkerClient;
  readonly #lock: DataDirLock | undefined;
  readonly #mutex = new Mutex();
  readonly #listeners = new Map<string, Set<(payload: string) => void>>();
  readonly #health = new StoreHealthMonitor(() => this.query('select 1'));
  readonly #dataDir: string | undefined;
  readonly #faults: boolean;
  #fault: string | null = null;
  /** Set after STORE_UNWRITABLE: the engine is restarted before its next use. */
  #broken: { error: HoldfastError; retryAt: number } | undefined;
  #closed = false;

  private constructor(
    engine: PgliteWorkerClient,
    lock: DataDirLock | undefined,
    description: string,
    dataDir: string | undefined,
    faults: boolean,
  ) {
    this.#engine = engine;
    this.#lock = lock;
    this.description = description;
    this.#dataDir = dataDir;
    this.#faults = faults;
    this.#onNotify(engine);
  }

  static async open(options: PgliteStoreOptions = {}): Promise<PgliteStore> {
    if (options.dataDir === undefined) {
      const engine = await startPgliteWorker({
        templatePath: await pgliteTemplate(),
        postgresqlconf: [...pgliteSettings],
      });
      return new PgliteStore(engine, undefined, 'PGlite in memory', undefined, false);
    }
    const dataDir = resolve(options.dataDir);
    const lock = DataDirLock.acquire(dataDir);
    try {
      const fresh = !existsSync(join(dataDir, 'pgdata', 'PG_VERSION'));
      const engine = await startEngine(dataDir, {
        templatePath: fresh ? await pgliteTemplate() : undefined,
        faults: options.faults,
      });
      return new PgliteStore(engine, lock, `PGlite at ${dataDir}`, dataDir, options.faults ?? false);
    } catch (error) {
      lock.release();
      throw unwritable(error, dataDir) ?? error;
    }
  }

  get health(): StoreHealth {
    return this.#health.current;
  }

  onHealthChange(listener: StoreHealthListener): () => void {
    return this.#health.onChange(listener);
  }

  query<R = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return this.#turn(() => this.#query<R>(text, params));
  }

  transaction<T>(fn: (tx: TxSql) => Promise<T>): Promise<T> {
    return this.#turn(async () => {
      await this.#query('begin', []);
      let value: T;
      try {
        value = await fn(
          txSql(
            (text, params) => this.#query(text, params ?? []),
            (sql) => this.#exec(sql),
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
    return this.#turn(() => this.#exec(sql));
  }

  /**
   * Test hook (only with `faults: true`): makes every disk write fail with `errno` — 'ENOSPC' for a
   * full disk, 'EROFS' for one that became read-only — until called again with null. It survives
   * engine restarts, as a full disk would.
   */
  async injectFault(errno: 'ENOSPC' | 'EROFS' | 'EIO' | null): Promise<void> {
    if (!this.#faults) throw new Error('injectFault needs PgliteStore.open({ faults: true })');
    this.#fault = errno;
    await this.#mutex.run(async () => {
      if (this.#broken === undefined) await this.#engine.call('fault', { errno });
      else this.#broken = { ...this.#broken, retryAt: 0 };
    });
  }

  async listen(channel: string, onMessage: (payload: string) => void, _options?: ListenOptions) {
    let set = this.#listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(channel, set);
      await this.#mutex.run(() => this.#engine.call('listen', { channel: checkChannel(channel) }));
    }
    set.add(onMessage);
    return async () => {
      set.delete(onMessage);
      if (set.size === 0 && this.#listeners.get(channel) === set && !this.#closed) {
        this.#listeners.delete(channel);
        await this.#mutex.run(() => this.#engine.call('unlisten', { channel: checkChannel(channel) }));
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#health.close();
    try {
      await this.#mutex.run(async () => {
        // An engine that could not write cannot take a shutdown checkpoint either.
        if (this.#broken === undefined) await this.#engine.call('close', {});
      });
    } finally {
      await this.#engine.terminate();
      this.#lock?.release();
    }
  }

  async #query<R>(text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const args = params.length === 0 ? [] : params.map((p) => (p === undefined ? null : p));
    try {
      return (await this.#engine.call('query', { sql: text, params: args })) as QueryResult<R>;
    } catch (error) {
      throw this.#unwritable(error) ?? error;
    }
  }

  async #exec(sql: string): Promise<void> {
    try {
      await this.#engine.call('exec', { sql });
    } catch (error) {
      throw this.#unwritable(error) ?? error;
    }
  }

  #unwritable(error: unknown): HoldfastError<'STORE_UNWRITABLE'> | undefined {
    return this.#dataDir === undefined ? undefined : unwritable(error, this.#dataDir);
  }

  /**
   * One turn on the engine, holding the mutex: restarts a broken engine first, and keeps `health`
   * up to date — a disk that cannot write marks the store down (once) and the engine broken; the
   * next turn that succeeds marks it up again.
   */
  #turn<T>(fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      try {
        if (this.#broken !== undefined) await this.#restart(this.#broken);
        const value = await fn();
        this.#health.markUp();
        return value;
      } catch (error) {
        if (isHoldfastError(error) && error.code === 'STORE_UNWRITABLE') {
          this.#broken ??= { error, retryAt: Date.now() };
          this.#health.markDown(error);
        }
        throw error;
      }
    });
  }

  /** Replaces a broken engine by a fresh one on the same data directory (WAL recovery). */
  async #restart(broken: { error: HoldfastError; retryAt: number }): Promise<void> {
    if (this.#closed || Date.now() < broken.retryAt || this.#dataDir === undefined) throw broken.error;
    await this.#engine.terminate();
    this.#broken = { error: broken.error, retryAt: Date.now() + restartBackoffMs };
    const engine = await startEngine(this.#dataDir, { faults: this.#faults, fault: this.#fault }).catch(
      (error: unknown) => {
        // PGlite writes its configuration as it starts: on a disk that still refuses, that fails.
        throw this.#unwritable(error) ?? broken.error;
      },
    );
    this.#engine = engine;
    this.#onNotify(engine);
    for (const channel of this.#listeners.keys()) await engine.call('listen', { channel });
    this.#broken = undefined;
  }

  #onNotify(engine: PgliteWorkerClient): void {
    engine.onNotify((channel, payload) => {
      for (const fn of this.#listeners.get(channel) ?? []) fn(payload);
    });
  }
}

/** How long an engine may take to start (recovery included) before it is given up as hung. */
const startTimeoutMs = 60_000;

/** PGlite on a worker thread over `<dataDir>/pgdata`. */
async function startEngine(
  dataDir: string,
  options: { templatePath?: string | undefined; faults?: boolean | undefined; fault?: string | null },
): Promise<PgliteWorkerClient> {
  return startPgliteWorker({
    dataDir: join(dataDir, 'pgdata'),
    templatePath: options.templatePath,
    postgresqlconf: [...pgliteSettings],
    faults: options.faults,
    fault: options.fault,
    startTimeoutMs,
  });
}
