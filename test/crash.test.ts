import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { openStore } from '../src/store/open-store.js';
import { crashPipeline } from './fixtures/crash-pipeline.js';
import { backends } from './support/backends.js';
import { verifyStepWrites } from './support/step-writes.js';

const jobs = 300;
const kills = 20;
const worker = new URL('./fixtures/crash-worker.ts', import.meta.url).pathname;

function startWorker(
  database: string,
  logFile: string,
  mode?: 'drain',
): { child: ChildProcess; ready: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', worker, database, logFile, ...(mode ? [mode] : [])],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOLDFAST_LOG_LEVEL: 'error' },
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ready, exited };
}

for (const backend of backends) {
  describe.runIf(backend.available)(`crash safety on ${backend.name}`, () => {
    it(`kill -9 a worker ${kills} times mid-step: every job finishes, nothing runs twice, no partial or duplicate write`, async () => {
      const database =
        backend.name === 'postgres' ? await backend.database() : mkdtempSync(join(tmpdir(), 'hf-crash-'));
      const logFile = join(mkdtempSync(join(tmpdir(), 'hf-crash-log-')), 'steps.log');
      writeFileSync(logFile, '');

      // Prepare: schema, the user table, and the jobs.
      const setup = createHoldfast({ database, pipelines: [crashPipeline(logFile)] });
      await setup.ready();
      await (await internalsOf(setup).open()).store.query(
        'create table crash_writes (job_id uuid, step text, k int, exec text)',
      );
      await setup.submitMany(
        'crash',
        Array.from({ length: jobs }, (_, i) => ({ input: { n: i } })),
      );
      await setup.close();

      // Kill a worker at random moments, again and again.
      for (let i = 0; i < kills; i++) {
        const run = startWorker(database, logFile);
        await run.ready;
        await new Promise((r) => setTimeout(r, 80 + Math.floor(Math.random() * 320)));
        run.child.kill('SIGKILL');
        await run.exited;
      }

      // A last worker finishes whatever is left, then exits.
      const last = startWorker(database, logFile, 'drain');
      await last.ready;
      expect(await last.exited).toBe(0);

      const check = await openStore(database);
      try {
        await verify(check, logFile);
      } finally {
        await check.close();
      }
    }, 240_000);
  });
}

async function verify(store: Awaited<ReturnType<typeof openStore>>, logFile: string): Promise<void> {
  const rerunsBeforeCommit = await verifyStepWrites(store, logFile, jobs);
  // The kills did land in the middle of steps (otherwise this test would prove nothing).
  expect(rerunsBeforeCommit).toBeGreaterThan(0);
  process.stdout.write(
    `[crash test] ${rerunsBeforeCommit} step executions were killed before their commit and re-run\n`,
  );
}
