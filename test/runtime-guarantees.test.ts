import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { backends } from './support/backends.js';
import { storeOf, testHoldfast, waitForState } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of backends) {
  describe.runIf(backend.available)(`guarantees on ${backend.name}`, () => {
    it('G1: a step that ignores its signal after its timeout can never commit its writes', async () => {
      let finishedLate = false;
      const pipeline = definePipeline({
        name: 'stubborn',
        retry: { attempts: 1 },
        run: async ({ step, job }) =>
          step.run('embed', { timeout: '300ms' }, async (ctx) => {
            ctx.write((sql) => sql.query('insert into embeddings (job_id, chunk) values ($1, 1)', [job.id]));
            ctx.progress(47, 92, 'chunks');
            await sleep(900); // ignores ctx.signal
            ctx.write((sql) => sql.query('insert into embeddings (job_id, chunk) values ($1, 2)', [job.id]));
            ctx.progress(92, 92, 'chunks');
            finishedLate = true;
            return 'all embedded';
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await (await storeOf(hf)).query('create table embeddings (job_id uuid, chunk int)');
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'failed');
      expect(job.error).toMatchObject({
        code: 'STEP_TIMEOUT',
        details: { step: 'embed', timeoutMs: 300, progress: { done: 47, total: 92, unit: 'chunks' } },
      });
      expect(job.error?.message).toBe("Step 'embed' timed out after 300 ms at 47/92 chunks (51 %)");
      expect(job.error?.recommendations.join(' ')).toContain('47/92 chunks');
      await waitFor(() => finishedLate, 5000, 'the abandoned step to finish');
      await sleep(200);
      const { rows } = await (await storeOf(hf)).query('select * from embeddings');
      expect(rows).toEqual([]);
      const after = await hf.jobs.get(id);
      expect(after.state).toBe('failed');
      expect(after.steps?.[0]).toMatchObject({ name: 'embed', state: 'failed', output: null });
    });

    it('G2: a manual retry resumes at the failed step without re-running the others', async () => {
      const runs: string[] = [];
      let fail = true;
      const pipeline = definePipeline({
        name: 'resumable',
        retry: { attempts: 1 },
        steps: ['extract', 'embed', 'analyze'],
        run: async ({ step }) => {
          const text = await step.run('extract', () => {
            runs.push('extract');
            return 'text';
          });
          const n = await step.run('embed', () => {
            runs.push('embed');
            return text.length;
          });
          return step.run('analyze', () => {
            runs.push('analyze');
            if (fail) throw new Error('analysis API down');
            return { n };
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const failed = await waitForState(hf, id, 'failed');
      expect(failed.plan).toMatchObject({ completed: 2, percent: 67 });
      fail = false;
      const retried = await hf.jobs.retry(id);
      expect(['queued', 'running', 'succeeded']).toContain(retried.state);
      const done = await waitForState(hf, id, 'succeeded');
      expect(done.output).toEqual({ n: 4 });
      expect(runs).toEqual(['extract', 'embed', 'analyze', 'analyze']);
      expect(done.steps?.find((s) => s.name === 'analyze')?.runs).toBe(2);
      expect(done.attempt).toBe(2);
      await expect(hf.jobs.retry(id)).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('undoes completed steps newest first when a job fails for good', async () => {
      const log: string[] = [];
      const pipeline = definePipeline({
        name: 'saga',
        retry: { attempts: 1 },
        run: async ({ step }) => {
          await step.run(
            'reserve',
            { compensate: (out) => void log.push(`release ${out}`) },
            () => 'stock-1',
          );
          await step.run(
            'charge',
            { compensate: (out) => void log.push(`refund ${out}`) },
            () => 'payment-9',
          );
          await step.run('ship', () => {
            throw new NonRetriableError('carrier refused the parcel');
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'failed');
      expect(log).toEqual(['refund payment-9', 'release stock-1']);
      expect(job.error?.message).toBe('carrier refused the parcel');
      expect(
        job.steps
          ?.filter((s) => s.compensated)
          .map((s) => s.name)
          .sort(),
      ).toEqual(['charge', 'reserve']);
    });

    it('reports ROLLBACK_FAILED when an undo hook fails', async () => {
      const pipeline = definePipeline({
        name: 'saga-broken',
        retry: { attempts: 1 },
        run: async ({ step }) => {
          await step.run(
            'book',
            { compensate: () => Promise.reject(new Error('hotel API 500')) },
            () => 'room',
          );
          await step.run('pay', () => {
            throw new NonRetriableError('card declined');
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'failed');
      expect(job.error).toMatchObject({
        code: 'ROLLBACK_FAILED',
        details: {
          step: 'book',
          failures: [{ step: 'book', message: 'hotel API 500' }],
          cause: { message: 'card declined' },
        },
      });
    });

    it('cancels a running job: aborts its step, discards its writes, runs the undo hooks', async () => {
      const log: string[] = [];
      const pipeline = definePipeline({
        name: 'cancellable',
        run: async ({ step, job }) => {
          await step.run('reserve', { compensate: () => void log.push('released') }, () => 'r');
          await step.run('long', async (ctx) => {
            ctx.write((sql) => sql.query('insert into partial (job_id) values ($1)', [job.id]));
            log.push('long started');
            await new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
            );
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await (await storeOf(hf)).query('create table partial (job_id uuid)');
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitFor(() => log.includes('long started'));
      await hf.jobs.cancel(id, { reason: 'user changed their mind' });
      const job = await waitForState(hf, id, 'cancelled');
      expect(job.error).toMatchObject({ code: 'CANCELLED' });
      expect(log).toEqual(['long started', 'released']);
      expect((await (await storeOf(hf)).query('select * from partial')).rows).toEqual([]);
      const types = (await hf.events.replay({ jobId: id })).map((e) => e.type);
      expect(types.slice(-3)).toEqual(['step:failed', 'step:compensated', 'job:cancelled']);
    });

    it('cancels a queued job at once, and a parked one after undoing its steps', async () => {
      const log: string[] = [];
      const pipeline = definePipeline({
        name: 'parked',
        retry: { attempts: 3, backoff: { initial: '1h', max: '1h' } },
        timeout: false,
        run: async ({ step }) => {
          await step.run('book', { compensate: () => void log.push('unbooked') }, () => 'b');
          await step.run('confirm', () => {
            throw new Error('not yet');
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      const queued = await hf.submit(pipeline, {});
      const cancelled = await hf.jobs.cancel(queued.id);
      expect(cancelled.state).toBe('cancelled');
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitForState(hf, id, 'waiting');
      await hf.jobs.cancel(id);
      await waitForState(hf, id, 'cancelled');
      expect(log).toEqual(['unbooked']);
      await expect(hf.jobs.cancel(id)).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('G5: an attempt whose lease was taken over cannot commit, and the new holder resumes', async () => {
      const store = await backend.store();
      const executions: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const make = (name: string, wait: boolean) =>
        definePipeline({
          name: 'takeover',
          run: async ({ step, job }) => {
            await step.run('first', () => {
              executions.push(`${name}:first`);
              return 1;
            });
            return step.run('second', async (ctx) => {
              executions.push(`${name}:second`);
              if (wait) await gate;
              ctx.write((sql) =>
                sql.query('insert into results (job_id, by) values ($1, $2)', [job.id, name]),
              );
              return name;
            });
          },
        });
      await store.query('create table results (job_id uuid, by text)');
      // A stuck worker: long lease, so it never notices it lost the job on its own.
      const stuck = createHoldfast({
        database: store,
        pipelines: [make('stuck', true)],
        worker: { lease: '60s' },
      });
      const rescuer = createHoldfast({
        database: store,
        pipelines: [make('rescuer', false)],
        // Short enough to take over at once, long enough that a busy machine renews it in time.
        worker: { lease: '2s' },
      });
      try {
        await stuck.start();
        const { id } = await stuck.submit('takeover', {});
        await waitFor(() => executions.includes('stuck:second'));
        // Its lease runs out (as if its heartbeat had stopped), and another worker takes over.
        await store.query(
          `update holdfast.jobs set lease_expires_at = now() - interval '1 second' where id = $1`,
          [id],
        );
        await rescuer.start();
        const done = await waitForState(rescuer, id, 'succeeded');
        expect(done.output).toBe('rescuer');
        // The stuck attempt now finishes its step: its commit is fenced off.
        release();
        await sleep(300);
        expect((await store.query('select by from results')).rows).toEqual([{ by: 'rescuer' }]);
        expect(executions).toEqual(['stuck:first', 'stuck:second', 'rescuer:second']);
        const started = (await rescuer.events.replay({ jobId: id })).filter((e) => e.type === 'job:started');
        expect(started.map((e) => e.payload)).toMatchObject([
          { takeover: false },
          { takeover: true, resumed: true },
        ]);
      } finally {
        release();
        await stuck.close();
        await rescuer.close();
      }
    });

    it('a step timeout fires on time while the database is busy', async () => {
      let abortedAfter = -1;
      let abortedAt = Number.POSITIVE_INFINITY;
      let busy!: Promise<unknown>;
      const pipeline = definePipeline({
        name: 'busy-db',
        retry: { attempts: 1 },
        run: async ({ step }) =>
          step.run('wait', { timeout: '300ms' }, async (ctx) => {
            const started = performance.now();
            // The database is busy for 2 s from the step's start (PGlite: its only connection).
            busy = ctx.sql.query('select pg_sleep(2)');
            await new Promise<void>((resolve) =>
              ctx.signal.addEventListener('abort', () => {
                abortedAt = performance.now();
                abortedAfter = abortedAt - started;
                resolve();
              }),
            );
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitFor(() => abortedAfter >= 0, 20_000);
      await busy;
      const busyUntil = performance.now();
      // Never early, and while the database was still busy: the timeout does not wait for it.
      expect(abortedAfter).toBeGreaterThanOrEqual(299);
      expect(abortedAt).toBeLessThan(busyUntil);
      const job = await waitForState(hf, id, 'failed');
      expect(job.error).toMatchObject({ code: 'STEP_TIMEOUT', details: { step: 'wait', timeoutMs: 300 } });
    });

    it('hands running jobs back to the queue when stopped, to resume elsewhere', async () => {
      const runs: string[] = [];
      const pipeline = definePipeline({
        name: 'handback',
        run: async ({ step }) => {
          await step.run('one', () => void runs.push('one'));
          return step.run('two', async (ctx) => {
            runs.push('two');
            await new Promise((r) => {
              const t = setTimeout(r, 60_000);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                r(null);
              });
            });
            return 'x';
          });
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitFor(() => runs.includes('two'));
      await hf.stop({ graceMs: 100 });
      const job = await hf.jobs.get(id);
      expect(job.state).toBe('queued');
      expect(job.waitReason).toBe('worker-stopped');
      expect(job.steps?.find((s) => s.name === 'one')?.state).toBe('succeeded');
    });
  });
}
