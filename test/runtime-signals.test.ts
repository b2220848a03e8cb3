import { describe, expect, it } from 'vitest';
import { definePipeline } from '../src/runtime/pipeline.js';
import { backends } from './support/backends.js';
import { testHoldfast } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

const backend = backends[0]!;

describe('AbortSignal on the public API', () => {
  it('refuses to start an operation whose signal is aborted, writing nothing', async () => {
    const pipeline = definePipeline({ name: 'p', run: async () => null });
    const hf = await testHoldfast(backend, { pipelines: [pipeline] });
    const controller = new AbortController();
    controller.abort(new Error('user went away'));
    const { signal } = controller;
    await expect(hf.submit(pipeline, {}, { signal })).rejects.toThrow('user went away');
    await expect(hf.submitMany(pipeline, [{ input: {} }], { signal })).rejects.toThrow('user went away');
    await expect(hf.estimate(pipeline, {}, { signal })).rejects.toThrow('user went away');
    await expect(hf.jobs.list({}, { signal })).rejects.toThrow('user went away');
    expect((await hf.jobs.list()).jobs).toEqual([]);
    const { id } = await hf.submit(pipeline, {});
    await expect(hf.jobs.get(id, { signal })).rejects.toThrow('user went away');
    await expect(hf.jobs.cancel(id, { signal })).rejects.toThrow('user went away');
    await expect(hf.jobs.retry(id, { signal })).rejects.toThrow('user went away');
    expect((await hf.jobs.get(id)).state).toBe('queued');
  });

  it('ends the grace period of stop() when its signal aborts', async () => {
    const pipeline = definePipeline({
      name: 'slow',
      run: async ({ step }) =>
        step.run('wait', async (ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        }),
    });
    const hf = await testHoldfast(backend, { pipelines: [pipeline] });
    await hf.start();
    const { id } = await hf.submit(pipeline, {});
    await waitFor(async () => (await hf.jobs.get(id)).currentStep === 'wait');
    const controller = new AbortController();
    const stopped = hf.stop({ graceMs: 3_600_000, signal: controller.signal });
    controller.abort();
    const outcome = await Promise.race([
      stopped.then(() => 'stopped'),
      new Promise((r) => setTimeout(() => r('still waiting'), 20_000)),
    ]);
    expect(outcome).toBe('stopped');
    expect(await hf.jobs.get(id)).toMatchObject({ state: 'queued', waitReason: 'worker-stopped' });
  });
});
