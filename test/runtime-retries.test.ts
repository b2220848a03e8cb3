import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetryAfterError } from '../src/errors/holdfast-error.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

for (const backend of backends) {
  describe.runIf(backend.available)(`durable retries on ${backend.name}`, () => {
    it('retries after 5 s, 10 s, 20 s (fake clock) and stops at the attempt limit', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
      const calls: number[] = [];
      const pipeline = definePipeline({
        name: 'flaky',
        retry: { attempts: 4, backoff: { initial: '5s', factor: 2, jitter: 'none' } },
        run: async ({ step }) =>
          step.run('call', () => {
            calls.push(clock.now());
            throw new Error(`upstream 502 #${calls.length}`);
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline], clock });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      for (const [n, delay] of [
        [1, 5000],
        [2, 10_000],
        [3, 20_000],
      ] as const) {
        await waitFor(() => calls.length === n, 10_000, `attempt ${n}`);
        const waiting = await waitForState(hf, id, 'waiting');
        expect(waiting.attempt).toBe(n + 1);
        expect(Date.parse(waiting.runAt) - calls[n - 1]!).toBe(delay);
        expect(waiting.error?.message).toBe(`upstream 502 #${n}`);
        // Not a millisecond early: the worker is free and nothing runs.
        await clock.advance(delay - 1);
        await new Promise((r) => setTimeout(r, 100));
        expect(calls).toHaveLength(n);
        await clock.advance(1);
      }
      const failed = await waitForState(hf, id, 'failed');
      expect(calls).toHaveLength(4);
      expect(calls.map((t, i) => (i === 0 ? 0 : t - calls[i - 1]!))).toEqual([0, 5000, 10_000, 20_000]);
      expect(failed.attempt).toBe(4);
      expect(failed.error).toMatchObject({
        code: 'STEP_FAILED',
        message: 'upstream 502 #4',
        retryable: true,
      });
      const types = (await hf.events.replay({ jobId: id })).map((e) => e.type);
      expect(types.filter((t) => t === 'job:retry-scheduled')).toHaveLength(3);
      expect(types.at(-1)).toBe('job:failed');
    });

    it('never retries a NonRetriableError', async () => {
      let calls = 0;
      const pipeline = definePipeline({
        name: 'permanent',
        retry: { attempts: 5 },
        run: async ({ step }) =>
          step.run('parse', () => {
            calls++;
            throw new NonRetriableError('not a PDF');
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'failed');
      expect(calls).toBe(1);
      expect(job.error).toMatchObject({
        code: 'STEP_FAILED',
        retryable: false,
        details: { name: 'NonRetriableError' },
      });
    });

    it('gives up at once when a RetryAfterError would pass the job deadline, saying so', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
      let calls = 0;
      const pipeline = definePipeline({
        name: 'hinted',
        timeout: '10m',
        retry: { attempts: 5 },
        run: async ({ step }) =>
          step.run('quota', () => {
            calls++;
            throw new RetryAfterError(calls === 1 ? 60_000 : 3_600_000, 'quota window');
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline], clock });
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      // First hint (1 min) fits in the deadline: parked exactly that long.
      const waiting = await waitForState(hf, id, 'waiting');
      expect(Date.parse(waiting.runAt) - clock.now()).toBe(60_000);
      await clock.advance(60_000);
      // Second hint (1 h) does not: failed now, not in an hour.
      const failed = await waitForState(hf, id, 'failed');
      expect(calls).toBe(2);
      expect(failed.error).toMatchObject({
        code: 'JOB_TIMEOUT',
        details: {
          wouldWaitMs: 3_600_000,
          remainingMs: 540_000,
          timeoutMs: 600_000,
          cause: { code: 'STEP_FAILED' },
        },
      });
      expect(failed.error?.recommendations[0]).toContain('only 9 min remained');
    });

    it('frees the worker while a job waits for its retry', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
      const pipeline = definePipeline({
        name: 'either',
        retry: { attempts: 2, backoff: { initial: '1h', max: '1h', jitter: 'none' } },
        timeout: false,
        run: async ({ input, step }) =>
          step.run('work', () => {
            if ((input as { fail: boolean }).fail) throw new Error('try later');
            return 'done';
          }),
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline], clock, worker: { concurrency: 1 } });
      await hf.start();
      const slow = await hf.submit(pipeline, { fail: true });
      await waitForState(hf, slow.id, 'waiting');
      const fast = await hf.submit(pipeline, { fail: false });
      await waitForState(hf, fast.id, 'succeeded');
      expect((await hf.jobs.get(slow.id)).state).toBe('waiting');
    });
  });
}
