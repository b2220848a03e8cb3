import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyHoldfastEvent, HoldfastEvent } from '../src/events/event-map.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';
import { fast } from './support/providers.js';
import { waitFor } from './support/wait.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const summarise = (timeout: string) =>
  definePipeline({
    name: 'summarise',
    timeout,
    retry: { attempts: 3 },
    run: async ({ step }) =>
      step.run('summarise', async (ctx) => {
        const res = await ctx.call<{ choices: Array<{ message: { content: string } }> }>('openai', {
          path: '/v1/chat/completions',
          body: {
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: 'Summarise tender VSGP-AO' }],
            max_tokens: 50,
          },
        });
        return { summary: res.body.choices[0]!.message.content, tokens: res.usage?.meters };
      }),
  });

for (const backend of backends) {
  describe.runIf(backend.available)(`provider calls from steps on ${backend.name}`, () => {
    const make = (timeout = '10m', breaker = { failures: 5, halfOpenAfter: '1m' }) =>
      testHoldfast(backend, {
        pipelines: [summarise(timeout)],
        providers: { openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-rt', ...fast, breaker } },
      });

    it('records every attempt and its usage in the step events', async () => {
      const hf = await make();
      await hf.start();
      sim.faults.add('openai:500:next2');
      const { id } = await hf.submit('summarise', {});
      const job = await waitForState(hf, id, 'succeeded');
      const calls = (await hf.events.replay({ jobId: id })).filter(
        (e): e is HoldfastEvent<'step:call'> => e.type === 'step:call',
      );
      expect(calls.map((c) => [c.payload.attempt, c.payload.outcome, c.payload.status])).toEqual([
        [1, 'retry', 500],
        [2, 'retry', 500],
        [3, 'ok', 200],
      ]);
      const charged = sim.requests().log.at(-1)!.usage;
      expect(calls[2]!.payload.usage).toEqual({ 'openai:tokens': charged.input + charged.output });
      expect(job.output).toMatchObject({ tokens: { 'openai:tokens': charged.input + charged.output } });
      expect(sim.attempts('openai')).toBe(3);
    });

    it('parks the job durably when the provider asks for a long wait', async () => {
      const hf = await make();
      await hf.start();
      sim.faults.add('openai:429=30s');
      const before = Date.now();
      const { id } = await hf.submit('summarise', {});
      const job = await waitForState(hf, id, 'waiting');
      const waitMs = Date.parse(job.runAt) - before;
      expect(waitMs).toBeGreaterThanOrEqual(29_000);
      expect(waitMs).toBeLessThan(33_000);
      expect(job.error).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 30_000 });
      const retry = (await hf.events.replay({ jobId: id })).find(
        (e) => e.type === 'job:retry-scheduled',
      ) as HoldfastEvent<'job:retry-scheduled'>;
      expect(retry.payload).toMatchObject({ source: 'hint', delayMs: 30_000 });
      // One attempt reached the provider: the wait was not spent inside the call.
      expect(sim.attempts('openai')).toBe(1);
    });

    it('fails at once when the wait would pass the job deadline', async () => {
      const hf = await make('10s');
      await hf.start();
      sim.faults.add('openai:429=60s');
      const { id } = await hf.submit('summarise', {});
      const job = await waitForState(hf, id, 'failed');
      expect(job.error).toMatchObject({
        code: 'PROVIDER_RATE_LIMITED',
        retryable: false,
        details: { beyondDeadline: true, retryAfterMs: 60_000 },
      });
      expect(job.error?.recommendations[0]).toContain('asked to wait 1 min, but only');
      expect(sim.attempts('openai')).toBe(1);
    });

    it("fails at once when the wait would pass the step's timeout, though the job has time left", async () => {
      const pipeline = definePipeline({
        name: 'short-step',
        timeout: '10m',
        retry: { attempts: 1 },
        run: async ({ step }) =>
          step.run('summarise', { timeout: '3s' }, async (ctx) => {
            await ctx.call('openai', {
              path: '/v1/chat/completions',
              body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 },
            });
          }),
      });
      const hf = await testHoldfast(backend, {
        pipelines: [pipeline],
        providers: { openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-rt', ...fast } },
      });
      await hf.start();
      sim.faults.add('openai:429=4s');
      const { id } = await hf.submit(pipeline, {});
      const job = await waitForState(hf, id, 'failed');
      // Not STEP_TIMEOUT after sleeping 3 s inside the call: the 4 s wait could never fit.
      expect(job.error).toMatchObject({
        code: 'PROVIDER_RATE_LIMITED',
        retryable: false,
        details: { beyondDeadline: true, retryAfterMs: 4000 },
      });
      expect(sim.attempts('openai')).toBe(1);
    });

    it('records the breaker opening as a provider event and parks jobs while it is open', async () => {
      const hf = await make('10m', { failures: 2, halfOpenAfter: '1m' });
      const events: AnyHoldfastEvent[] = [];
      hf.events.subscribe({ types: ['provider:*'] }, (e) => events.push(e));
      await hf.start();
      sim.faults.add('openai:503');
      const { id } = await hf.submit('summarise', {});
      await waitFor(() => events.length > 0);
      expect(events[0]).toMatchObject({
        type: 'provider:circuit-opened',
        jobId: null,
        payload: { provider: 'openai', failures: 2 },
      });
      const stored = (await hf.events.replay({ afterId: 0 })).filter(
        (e) => e.type === 'provider:circuit-opened',
      );
      expect(stored).toHaveLength(1);
      const job = await waitForState(hf, id, ['waiting', 'failed']);
      expect(job.state).toBe('waiting');
      expect(job.error).toMatchObject({ code: 'CIRCUIT_OPEN' });
      expect(hf.providers.openai!.health().breaker).toMatchObject({ state: 'open' });
    });
  });
}
