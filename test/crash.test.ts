import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/runtime/holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { openStore } from '../src/store/open-store.js';
import { crashPipeline } from './fixtures/crash-pipeline.js';
import { backends } from './support/backends.js';

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
  const { rows: states } = await store.query<{ state: string; n: number }>(
    'select state, count(*)::int as n from holdfast.jobs group by state',
  );
  expect(states).toEqual([{ state: 'succeeded', n: jobs }]);

  const { rows: steps } = await store.query<{ job_id: string; name: string; output: string; state: string }>(
    'select job_id, name, output, state from holdfast.steps',
  );
  expect(steps).toHaveLength(jobs * 3);
  expect(steps.every((s) => s.state === 'succeeded')).toBe(true);

  // Starts in log order, per step.
  const starts = new Map<string, string[]>();
  for (const line of readFileSync(logFile, 'utf8').trim().split('\n')) {
    const [job, step, exec] = line.split(' ');
    const key = `${job} ${step}`;
    starts.set(key, [...(starts.get(key) ?? []), exec!]);
  }
  const { rows: writes } = await store.query<{ job_id: string; step: string; k: number; exec: string }>(
    'select job_id, step, k, exec from crash_writes',
  );
  const writesByStep = new Map<string, Array<{ k: number; exec: string }>>();
  for (const w of writes) {
    const key = `${w.job_id} ${w.step}`;
    writesByStep.set(key, [...(writesByStep.get(key) ?? []), { k: w.k, exec: w.exec }]);
  }

  let rerunsBeforeCommit = 0;
  for (const step of steps) {
    const key = `${step.job_id} ${step.name}`;
    const execs = starts.get(key) ?? [];
    // The execution whose result was committed is the last one that ever started:
    // once a step succeeded, it never ran again.
    expect(execs.at(-1), key).toBe(step.output);
    rerunsBeforeCommit += execs.length - 1;
    // Exactly its three staged rows, none from the executions that were killed.
    const rows = (writesByStep.get(key) ?? []).sort((a, b) => a.k - b.k);
    expect(rows, key).toEqual([1, 2, 3].map((k) => ({ k, exec: step.output })));
  }
  expect(writes).toHaveLength(jobs * 9);
  // The kills did land in the middle of steps (otherwise this test would prove nothing).
  expect(rerunsBeforeCommit).toBeGreaterThan(0);
  process.stdout.write(
    `[crash test] ${rerunsBeforeCommit} step executions were killed before their commit and re-run\n`,
  );
}
