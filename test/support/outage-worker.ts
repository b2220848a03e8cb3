import { type ChildProcess, spawn } from 'node:child_process';

const script = new URL('../fixtures/outage-worker.ts', import.meta.url).pathname;

export interface OutageWorker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
  /** Lines written to stderr (the log) so far. */
  logLines(): string[];
  stop(): Promise<number | null>;
}

/** Starts test/fixtures/outage-worker.ts in its own process, logging at `logLevel` to stderr. */
export function startOutageWorker(
  database: string,
  logFile: string,
  options: { lease?: string; logLevel?: string; abortLog?: string } = {},
): OutageWorker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      script,
      database,
      logFile,
      options.lease ?? '-',
      ...(options.abortLog ? [options.abortLog] : []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOLDFAST_LOG_LEVEL: options.logLevel ?? 'warn' },
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
  return {
    child,
    ready,
    exited,
    logLines: () => stderr.split('\n').filter((line) => line.trim() !== ''),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
