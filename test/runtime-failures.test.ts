import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Logger } from '../src/runtime/logger.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';
import { storeOf, testHoldfast, waitForState } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

/** A logger that keeps what it is told. */
function memoryLogger() {
  const lines: Array<{ level: string; msg: string | undefined; obj: object }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, msg, obj });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

for (const backend of backends) {
  describe.runIf(backend.available)(`failures on ${backend.name}`, () => {
    it('fails a step whose staged write hits a missing table at once, with SQL_ERROR and its SQLSTATE', async () => {
      let runs = 0;
      const pipeline = definePipeline({
        name: 'summarise',
        retry: { attempts: 3, backoff: { initial: '10ms', max: '20ms' } },
        run: async ({ step, input }) =>
          step.run('save', (ctx) => {
            runs += 1;
            ctx.write((sql) =>
              sql.query('insert into summaries (title, summary) values ($1, $2)', [
                (input as { title: string }).title,
                'short',
              ]),
            );
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, { title: 'Tender 42' });
      const job = await waitForState(hf, id, 'failed');
      expect(job.error).toMatchObject({
        code: 'SQL_ERROR',
        retryable: false,
        details: { sqlState: '42P01', step: 'save', table: 'summaries' },
      });
      expect(job.error?.recommendations.join(' ')).toContain('summaries');
      expect(runs).toBe(1);
      expect(job.attempt).toBe(1);
      const types = (await hf.events.replay({ jobId: id })).map((e) => e.type);
      expect(types).not.toContain('job:retry-scheduled');
      expect(job.steps).toMatchObject([{ name: 'save', state: 'failed', error: { code: 'SQL_ERROR' } }]);
    });

    it('retries a step whose staged writes hit a serialization failure, then commits them', async () => {
      let runs = 0;
      const pipeline = definePipeline({
        name: 'conflicted',
        retry: { attempts: 3, backoff: { initial: '10ms', max: '20ms' } },
        run: async ({ step, job }) =>
          step.run('save', (ctx) => {
            runs += 1;
            const first = runs === 1;
            ctx.write((sql) => sql.query('insert into saved (job_id) values ($1)', [job.id]));
            ctx.write((sql) =>
              first
                ? sql.query(`do $$ begin raise exception 'conflict' using errcode = '40001'; end $$`)
                : sql.query('select 1'),
            );
            return runs;
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await (await storeOf(hf)).query('create table saved (job_id uuid)');
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'succeeded');
      expect(job.output).toBe(2);
      expect(job.attempt).toBe(2);
      const retry = (await hf.events.replay({ jobId: id })).find((e) => e.type === 'job:retry-scheduled');
      expect(retry?.payload).toMatchObject({ error: { code: 'STEP_FAILED', retryable: true } });
      // The first run's write went with its savepoint; the second's committed once.
      expect((await (await storeOf(hf)).query('select job_id from saved')).rows).toEqual([{ job_id: id }]);
    });

    it('records a step stopped by the worker as failed (SHUTTING_DOWN) before handing the job back', async () => {
      const pipeline = definePipeline({
        name: 'handback',
        run: async ({ step }) =>
          step.run('long', async (ctx) => {
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitFor(async () => (await hf.jobs.get(id)).currentStep === 'long');
      await hf.stop({ graceMs: 50 });
      const job = await hf.jobs.get(id);
      expect(job).toMatchObject({ state: 'queued', waitReason: 'worker-stopped' });
      expect(job.steps).toMatchObject([{ name: 'long', state: 'failed', error: { code: 'SHUTTING_DOWN' } }]);
      const types = (await hf.events.replay({ jobId: id })).map((e) => e.type);
      expect(types.slice(-2), JSON.stringify(await hf.events.replay({ jobId: id }))).toEqual([
        'step:failed',
        'job:waiting',
      ]);
      // Another start resumes it: the step runs again.
      await hf.start();
      await waitFor(async () => (await hf.jobs.get(id)).state === 'running');
    });

    it('stops an idle worker at once, and a busy one as soon as its jobs are done, without waiting out the grace', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const pipeline = definePipeline({
        name: 'gated',
        run: async ({ step }) => step.run('wait', () => gate),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const hour = 3_600_000;
      const outcome = (p: Promise<void>) =>
        Promise.race([
          p.then(() => 'stopped'),
          new Promise((r) => setTimeout(() => r('still waiting'), 20_000)),
        ]);
      expect(await outcome(hf.stop({ graceMs: hour }))).toBe('stopped');
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitFor(async () => (await hf.jobs.get(id)).currentStep === 'wait');
      const stopping = hf.stop({ graceMs: hour });
      release();
      expect(await outcome(stopping)).toBe('stopped');
      expect((await hf.jobs.get(id)).state).toBe('succeeded');
    });

    it('leaves nothing running after stop and close: the process exits on its own', async () => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          new URL('./fixtures/stop-and-exit.ts', import.meta.url).pathname,
          await backend.database(),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // A grace timer left behind would keep it alive for the hour it was given.
      const outcome = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r('still alive'), 25_000)),
      ]);
      child.kill('SIGKILL');
      expect(out).toContain('closed');
      expect(outcome).toBe(0);
    }, 40_000);

    it('logs, never swallows, a failure to read when the next job is due', async () => {
      const { logger, lines } = memoryLogger();
      const real = await openStore(await backend.database());
      // The store answers everything but the "next due" query, as a flaky connection would.
      const flaky = new Proxy(real, {
        get(target, property) {
          if (property === 'query') {
            return (text: string, params?: readonly unknown[], options?: object) =>
              text.includes('order by run_at limit 1')
                ? Promise.reject(new Error('connection reset while reading'))
                : target.query(text, params, options);
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }) as Store;
      const pipeline = definePipeline({
        name: 'later',
        retry: { attempts: 2, backoff: { initial: '1h', max: '1h' } },
        timeout: false,
        run: async ({ step }) =>
          step.run('x', () => {
            throw new Error('not yet');
          }),
      });
      const hf = createHoldfast({ database: flaky, pipelines: [pipeline], logger, worker: { poll: '50ms' } });
      try {
        await hf.start();
        const { id } = await hf.submit(pipeline, {});
        await waitForState(hf, id, 'waiting');
        await waitFor(() => lines.some((l) => l.msg?.includes('next job is due')), 10_000, 'the log line');
        expect(lines.find((l) => l.msg?.includes('next job is due'))?.level).toBe('warn');
      } finally {
        await hf.close();
        await real.close();
      }
    });

    it('closes while the database is still opening without leaving the budget reaper behind', async () => {
      const { logger, lines } = memoryLogger();
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
      const hf = createHoldfast({
        database: await backend.database(),
        pipelines: [],
        clock,
        logger,
        budgets: { accounts: [{ meter: 'x:tokens', period: 'day', limit: 100 }], reaperInterval: '1s' },
      });
      const opening = hf.ready().catch((error: unknown) => error);
      await hf.close();
      await opening;
      for (let i = 0; i < 5; i++) await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 100));
      expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    });
  });
}
