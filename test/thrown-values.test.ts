import { describe, expect, it } from 'vitest';
import { NonRetriableError } from '../src/errors/holdfast-error.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';

// The embedded store is enough: this is about what a failed job says, not about storage.
const backend = backends.find((b) => b.name === 'pglite') ?? backends[0]!;

describe('a step that throws something other than an Error', () => {
  it("leaves the job's error saying what was thrown, as JSON", async () => {
    const pipeline = definePipeline({
      name: 'throws-object',
      retry: { attempts: 1 },
      run: async ({ step }) => {
        await step.run('call-partner', () => {
          throw { status: 409, reason: 'duplicate order', order: { id: 'A-17', lines: 3 } };
        });
        throw new NonRetriableError('unreachable');
      },
    });
    const hf = await testHoldfast(backend, { pipelines: [pipeline] });
    await hf.start();
    const { id } = await hf.submit(pipeline, {});
    const job = await waitForState(hf, id, 'failed');
    const text = `{"status":409,"reason":"duplicate order","order":{"id":"A-17","lines":3}}`;
    expect(job.error).toMatchObject({ code: 'STEP_FAILED', message: text });
    expect(job.steps?.[0]?.error).toMatchObject({ message: text });
    expect(JSON.stringify(job)).not.toContain('[object Object]');
  });
});
