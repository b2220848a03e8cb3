// @ts-check
/**
 * Runs PGlite on its own thread. PGlite executes SQL synchronously inside WebAssembly, so on the
 * main thread a heavy query would freeze every timer — step timeouts, lease heartbeats — for its
 * whole duration. Here it only blocks this thread; the main thread talks to it by messages.
 *
 * This file is plain JavaScript (checked by tsc through JSDoc) so the same file runs from src/ in
 * tests and from dist/ once built: worker threads cannot load TypeScript.
 *
 * Messages in:  { id, op: 'query', sql, params } | { id, op: 'exec', sql } | { id, op: 'listen', channel }
 *               | { id, op: 'unlisten', channel } | { id, op: 'dump' } | { id, op: 'close' }
 *               | { id, op: 'fault', errno } (only when started with `faults: true`)
 * Messages out: { type: 'ready' } | { type: 'fatal', error } | { type: 'result', id, value }
 *               | { type: 'error', id, error } | { type: 'notify', channel, payload }
 */
import fs, { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

/** @typedef {{ dataDir?: string, templatePath?: string, postgresqlconf: string[], faults?: boolean, fault?: string | null }} WorkerOptions */

const port = parentPort;
if (port === null) throw new Error('pglite-worker.js must run as a worker thread');
const options = /** @type {WorkerOptions} */ (workerData);

/** Same value types as the PostgreSQL store: int8 and numeric as JS numbers. */
const parsers = {
  [types.INT8]: (/** @type {string} */ value) => Number(value),
  [types.NUMERIC]: (/** @type {string} */ value) => Number(value),
};

/** @param {unknown} error */
function serialiseError(error) {
  if (error && typeof error === 'object') {
    const e = /** @type {Record<string, unknown>} */ (error);
    return {
      // Emscripten's ErrnoError has an errno and no message.
      message: String(
        e.message ??
          (typeof e.errno === 'number' ? `file system error (errno ${e.errno})` : JSON.stringify(error)),
      ),
      code: e.code,
      detail: e.detail,
      hint: e.hint,
      constraint: e.constraint,
      table: e.table,
      column: e.column,
      schema: e.schema,
    };
  }
  return { message: String(error) };
}

/**
 * Test hook: makes the file system refuse writes with `errno` (ENOSPC, EROFS…) until cleared, the
 * way a full or read-only disk would. PGlite reaches the disk through node:fs's writeSync (its
 * Emscripten NODEFS), so replacing that one function on this thread is enough; the data already
 * on disk is untouched.
 * @type {string | null}
 */
let fault = options.fault ?? null;
if (options.faults) {
  const write = fs.writeSync;
  fs.writeSync = /** @type {typeof fs.writeSync} */ (
    (/** @type {any[]} */ ...args) => {
      if (fault !== null) {
        const error = /** @type {NodeJS.ErrnoException} */ (
          new Error(`${fault}: simulated by the fault hook`)
        );
        error.code = fault;
        throw error;
      }
      return /** @type {any} */ (write)(...args);
    }
  );
}

/** @type {PGlite} */
let db;
try {
  /** @type {import('@electric-sql/pglite').PGliteOptions} */
  const pgliteOptions = { parsers, postgresqlconf: options.postgresqlconf };
  if (options.templatePath) {
    pgliteOptions.loadDataDir = new Blob([readFileSync(options.templatePath)]);
  }
  db = new PGlite(options.dataDir ?? 'memory://', pgliteOptions);
  await db.waitReady;
  port.postMessage({ type: 'ready' });
} catch (error) {
  port.postMessage({ type: 'fatal', error: serialiseError(error) });
  process.exit(1);
}

/** @type {Map<string, () => Promise<void>>} */
const listeners = new Map();

port.on(
  'message',
  async (
    /** @type {{ id: number, op: string, sql?: string, params?: unknown[], channel?: string }} */ message,
  ) => {
    const { id, op } = message;
    try {
      /** @type {unknown} */
      let value;
      switch (op) {
        case 'query': {
          const result = await db.query(/** @type {string} */ (message.sql), message.params ?? []);
          value = { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          break;
        }
        case 'exec': {
          await db.exec(/** @type {string} */ (message.sql));
          value = null;
          break;
        }
        case 'listen': {
          const channel = /** @type {string} */ (message.channel);
          if (!listeners.has(channel)) {
            const unlisten = await db.listen(channel, (payload) =>
              port.postMessage({ type: 'notify', channel, payload }),
            );
            listeners.set(channel, unlisten);
          }
          value = null;
          break;
        }
        case 'unlisten': {
          const channel = /** @type {string} */ (message.channel);
          await listeners.get(channel)?.();
          listeners.delete(channel);
          value = null;
          break;
        }
        case 'dump': {
          const blob = await db.dumpDataDir('none');
          value = new Uint8Array(await blob.arrayBuffer());
          break;
        }
        case 'close': {
          await db.close();
          value = null;
          break;
        }
        case 'fault': {
          if (!options.faults) throw new Error('fault injection is not enabled on this database');
          fault = /** @type {{ errno?: string | null }} */ (message).errno ?? null;
          value = null;
          break;
        }
        default:
          throw new Error(`unknown operation ${op}`);
      }
      port.postMessage({ type: 'result', id, value });
    } catch (error) {
      port.postMessage({ type: 'error', id, error: serialiseError(error) });
    }
  },
);
