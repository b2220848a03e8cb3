import { Worker } from 'node:worker_threads';
import { DatabaseError } from './database-error.js';

export interface PgliteWorkerOptions {
  /** Directory of the data; memory when absent. */
  readonly dataDir?: string | undefined;
  /** Tarball of an initialised data directory to start from (memory, or an empty directory). */
  readonly templatePath?: string | undefined;
  readonly postgresqlconf: string[];
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
    op: 'query' | 'exec' | 'listen' | 'unlisten' | 'dump' | 'close',
    args: Record<string, unknown>,
  ): Promise<unknown>;
  onNotify(fn: (channel: string, payload: string) => void): void;
  terminate(): Promise<void>;
}

export function startPgliteWorker(options: PgliteWorkerOptions): Promise<PgliteWorkerClient> {
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: options });
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
          resolve(client);
          return;
        case 'fatal':
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
      failAll(new Error(`The embedded database thread failed: ${error.message}`, { cause: error }));
      reject(failure);
    });
    worker.on('exit', (code) => {
      failAll(new Error(`The embedded database thread stopped (exit code ${code})`));
      reject(failure);
    });
  });
}
