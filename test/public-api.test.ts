import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as holdfast from '../src/index.js';
import { createHoldfast, definePipeline, isHoldfastError, NonRetriableError } from '../src/index.js';
import { FakeClock, InMemoryBudgetGate, type Simulator, startSimulator } from '../src/testing.js';
import { storeOf } from './support/holdfast.js';

/** The README's quickstart, through the public entry points only. */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
});
afterAll(() => sim.close());

interface ChatAnswer {
  choices: Array<{ message: { content: string } }>;
}

const summarise = definePipeline({
  name: 'summarise',
  input: z.object({ title: z.string().min(1), text: z.string().min(1) }),
  estimate: ({ text }) => ({ 'openai:tokens': Math.ceil(text.length / 2) + 200 }),
  budget: { 'openai:tokens': 20_000 },
  run: async ({ input, step }) => {
    const summary = await step.run('summarise', async (ctx) => {
      const answer = await ctx.call<ChatAnswer>('openai', {
        path: '/v1/chat/completions',
        body: {
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `Summarise: ${input.text}` }],
          max_tokens: 200,
        },
      });
      return answer.body.choices[0]!.message.content;
    });
    await step.run('save', (ctx) => {
      ctx.write((sql) =>
        sql.query('insert into summaries (title, summary) values ($1, $2)', [input.title, summary]),
      );
    });
    return { summary };
  },
});

describe('the public API', () => {
  it('exports what the README uses, and nothing internal by accident', () => {
    expect(Object.keys(holdfast).sort()).toEqual(
      [
        'HoldfastError',
        'NonRetriableError',
        'RetryAfterError',
        'createHoldfast',
        'defaultPricing',
        'defineConfig',
        'definePipeline',
        'errorCodes',
        'eventTypes',
        'hasCode',
        'isHoldfastError',
        'jobStates',
        'terminalStates',
      ].sort(),
    );
    expect(typeof FakeClock).toBe('function');
    expect(typeof InMemoryBudgetGate).toBe('function');
  });

  it('runs the quickstart: estimate, submit, a guarded call, a staged write, budgets settled', async () => {
    const hf = createHoldfast({
      database: 'memory://',
      pipelines: [summarise],
      providers: { openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-readme' } },
      budgets: { accounts: [{ meter: 'openai:tokens', period: 'day', limit: 1_000_000 }] },
    });
    try {
      await hf.ready();
      await (await storeOf(hf)).query(
        'create table summaries (title text primary key, summary text not null)',
      );
      await hf.start();
      const input = { title: 'Tender 42', text: 'Four lots of hospital beds, delivery in March.' };
      const estimate = await hf.estimate(summarise, input);
      expect(estimate.safeToProceed).toBe(true);
      const { id } = await hf.submit(summarise, input);
      let job = await hf.jobs.get(id);
      for (let i = 0; i < 200 && job.state !== 'succeeded' && job.state !== 'failed'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        job = await hf.jobs.get(id);
      }
      expect(job.state).toBe('succeeded');
      const { rows } = await (await storeOf(hf)).query<{ summary: string }>('select summary from summaries');
      expect(rows).toEqual([{ summary: (job.output as { summary: string }).summary }]);
      const [account] = await hf.budgets.status();
      const charged = sim.requests().ledger.openai!;
      expect(account).toMatchObject({ used: charged.input + charged.output });

      const bad = await hf.submit(summarise, { title: '', text: 'x' } as never).catch((e: unknown) => e);
      expect(isHoldfastError(bad) && bad.code).toBe('VALIDATION_ERROR');
      expect(new NonRetriableError('not a PDF').code).toBe('STEP_FAILED');
    } finally {
      await hf.close();
    }
  });
});
