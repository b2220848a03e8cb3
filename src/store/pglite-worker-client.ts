import { Worker } from 'node:worker_threads';
import { DatabaseError } from './database-error.js';

export interface PgliteWorkerOptions {
  /** Directory of the data; memory when absent. */
  readonly dataDir?: string | undefined;
  /** Tarball of an initialised data directory to start from (memory, or an empty directory). */
  readonly templatePath?: string | undefined;
  readonly postgresqlconf: string[];
  /** Accept `fault` calls that make disk writes fail (tests of a full or read-only disk). */
  readonly faults?: boolean | undefined;
  /** With `faults`: the errno disk writes fail with from the start. */
  readonly fault?: string | null | undefined;
  /** Give up (and terminate the thread) if PGlite is not ready within this long. */
  readonly startTimeoutMs?: number | undefined;
}

type Reply =
  | { type: 'ready' }
  | { type: 'fatal'; error: { message: string } }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: { message: string; code?: string } }
  | { type: 'notify'; channel: string; payload: string };

/** The main-thread side of pglite-worker.js: numbered calls, replies and notifications. */
export interface PgliteWorkerClient {
  call(
    op: 'query' | 'exec' | 'listen' | 'unlisten' | 'dump' | 'close' | 'fault',
    args: Record<string, unknown>,
  ): Promise<unknown>;
  onNotify(fn: (channel: string, payload: string) => void): void;
  terminate(): Promise<void>;
}

export function startPgliteWorker(options: PgliteWorkerOptions): Promise<PgliteWorkerClient> {
  const { startTimeoutMs, ...workerData } = options;
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData });
  const calls = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; sql?: string }
  >();
  let nextId = 1;
  let failure: Error | undefined;
  let notify: (channel: string, payload: string) => void = () => {};

  const failAll = (error: Error) => {
    failure ??= error;
    for (const call of calls.values()) call.reject(failure);
    calls.clear();
  };

  return new Promise((resolve, reject) => {
    const timer =
      startTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            failAll(new Error(`The embedded database did not start within ${startTimeoutMs} ms`));
            reject(failure);
            void worker.terminate();
          }, startTimeoutMs);
    const client: PgliteWorkerClient = {
      call(op, args) {
        if (failure) return Promise.reject(failure);
        const id = nextId++;
        return new Promise((resolveCall, rejectCall) => {
          calls.set(id, { resolve: resolveCall, reject: rejectCall, sql: args.sql as string | undefined });
          worker.postMessage({ id, op, ...args });
        });
      },
      onNotify(fn) {
        notify = fn;
      },
      async terminate() {
        failAll(new Error('The embedded database was closed'));
        await worker.terminate();
      },
    };
    worker.on('message', (reply: Reply) => {
      switch (reply.type) {
        case 'ready':
          clearTimeout(timer);
          resolve(client);
          return;
        case 'fatal':
          clearTimeout(timer);
          failAll(new Error(`The embedded database could not start: ${reply.error.message}`));
          reject(failure);
          return;
        case 'result': {
          const call = calls.get(reply.id);
          calls.delete(reply.id);
          call?.resolve(reply.value);
          return;
        }
        case 'error': {
          const call = calls.get(reply.id);
          calls.delete(reply.id);
          call?.reject(new DatabaseError(reply.error, call.sql));
          return;
        }
        case 'notify':
          notify(reply.channel, reply.payload);
          return;
        default: {
          const never: never = reply;
          throw new Error(`unexpected message ${JSON.stringify(never)}`);
        }
      }
    });
    worker.on('error', (error) => {
      clearTimeout(timer);
      failAll(new Error(`The embedded database thread failed: ${error.message}`, { cause: error }));
      reject(failure);
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      failAll(new Error(`The embedded database thread stopped (exit code ${code})`));
      reject(failure);
    });
  });
}
