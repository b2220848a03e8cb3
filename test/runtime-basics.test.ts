import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasCode } from '../src/errors/holdfast-error.js';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';

for (const backend of backends) {
  describe.runIf(backend.available)(`runtime basics on ${backend.name}`, () => {
    it('runs a pipeline step by step and records its timeline', async () => {
      const pipeline = definePipeline({
        name: 'analyze',
        input: z.object({ pages: z.number().int().positive() }),
        steps: ['extract', 'embed'],
        run: async ({ input, step }) => {
          const text = await step.run('extract', () => `text of ${input.pages} pages`);
          const n = await step.run('embed', async (ctx) => {
            for (let i = 1; i <= 3; i++) ctx.progress(i, 3, 'chunks');
            return text.length;
          });
          return { chars: n };
        },
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      const events: AnyHoldfastEvent[] = [];
      hf.events.subscribe({}, (e) => events.push(e));
      await hf.start();
      const { id, state } = await hf.submit(pipeline, { pages: 2 });
      expect(state).toBe('queued');
      const job = await waitForState(hf, id, 'succeeded');
      expect(job.output).toEqual({ chars: 'text of 2 pages'.length });
      expect(job.steps?.map((s) => [s.name, s.state, s.runs])).toEqual([
        ['extract', 'succeeded', 1],
        ['embed', 'succeeded', 1],
      ]);
      expect(job.plan).toMatchObject({ completed: 2, percent: 100 });
      expect(job.steps?.[1]?.progress).toMatchObject({ done: 3, total: 3, unit: 'chunks', percent: 100 });
      const timeline = await hf.events.replay({ jobId: id });
      expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
      const types = timeline.map((e) => e.type);
      expect(types[0]).toBe('job:queued');
      expect(types[1]).toBe('job:started');
      expect(types.at(-1)).toBe('job:succeeded');
      expect(types.filter((t) => t === 'step:succeeded')).toHaveLength(2);
      // Live delivery carried the same events.
      expect(events.filter((e) => e.jobId === id).map((e) => e.seq)).toEqual(timeline.map((e) => e.seq));
    });

    it('refuses bad input with the field named, writing nothing', async () => {
      const pipeline = definePipeline({
        name: 'strict',
        input: z.object({ url: z.url(), pages: z.number() }),
        run: async () => null,
      });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      const error = await hf.submit(pipeline, { url: 'nope', pages: 1 } as never).catch((e: unknown) => e);
      expect(hasCode(error, 'VALIDATION_ERROR')).toBe(true);
      if (!hasCode(error, 'VALIDATION_ERROR')) return;
      expect(error.details.field).toBe('url');
      const unknown = await hf.submit('no-such-pipeline' as never, {} as never).catch((e: unknown) => e);
      expect(hasCode(unknown, 'NOT_FOUND')).toBe(true);
      if (hasCode(unknown, 'NOT_FOUND')) expect(unknown.details.known).toEqual(['strict']);
      const { jobs } = await hf.jobs.list();
      expect(jobs).toEqual([]);
    });

    it('returns the same job for the same idempotency key, and refuses a different input', async () => {
      const pipeline = definePipeline({ name: 'msg', run: async () => 'ok' });
      const hf = await testHoldfast(backend, { pipelines: [pipeline] });
      const first = await hf.submit(
        pipeline,
        { text: 'hello' },
        { idempotencyKey: 'wamid.1', tenant: 'acme' },
      );
      const again = await hf.submit(
        pipeline,
        { text: 'hello' },
        { idempotencyKey: 'wamid.1', tenant: 'acme' },
      );
      expect(again).toEqual({ id: first.id, state: 'queued', deduplicated: true });
      const racing = await Promise.all(
        Array.from({ length: 10 }, () =>
          hf.submit(pipeline, { text: 'race' }, { idempotencyKey: 'wamid.2' }),
        ),
      );
      expect(new Set(racing.map((r) => r.id)).size).toBe(1);
      expect(racing.filter((r) => !r.deduplicated)).toHaveLength(1);
      const conflict = await hf
        .submit(pipeline, { text: 'other' }, { idempotencyKey: 'wamid.1', tenant: 'acme' })
        .catch((e: unknown) => e);
      expect(hasCode(conflict, 'IDEMPOTENCY_CONFLICT')).toBe(true);
      if (hasCode(conflict, 'IDEMPOTENCY_CONFLICT')) expect(conflict.details.existingJobId).toBe(first.id);
      // Same key, other tenant: another job.
      const other = await hf.submit(
        pipeline,
        { text: 'hello' },
        { idempotencyKey: 'wamid.1', tenant: 'globex' },
      );
      expect(other.id).not.toBe(first.id);
      expect((await hf.jobs.list()).jobs).toHaveLength(3);
    });
  });
}
