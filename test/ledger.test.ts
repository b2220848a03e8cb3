import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import type { BudgetOptions } from '../src/ledger/budget-config.js';
import { type AnyPipeline, definePipeline } from '../src/runtime/pipeline.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';
import { fast } from './support/providers.js';
import { waitFor } from './support/wait.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({
    seed: 3,
    keepa: { capacity: 1_000_000, refillAmount: 1, refillEveryMs: 60_000 },
  });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const chat = (max = 40) => ({
  path: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Score supplier' }], max_tokens: max },
});
const chatHold = Buffer.byteLength(JSON.stringify(chat().body)) + 40;

/** A job that makes `calls` calls. */
const caller = (name: string, options: Partial<Parameters<typeof definePipeline>[0]> = {}) =>
  definePipeline({
    name,
    retry: { attempts: 1 },
    timeout: false,
    ...options,
    run: async ({ input, step }) => {
      const { calls } = input as { calls: number };
      let tokens = 0;
      for (let i = 0; i < calls; i++) {
        tokens += await step.run(
          `call:${i}`,
          async (ctx) => (await ctx.call('openai', chat())).usage!.meters['openai:tokens']!,
        );
      }
      return tokens;
    },
  });

for (const backend of backends) {
  describe.runIf(backend.available)(`ledger on ${backend.name}`, () => {
    const make = (budgets: BudgetOptions, pipelines: AnyPipeline[] = [caller('calls')], clock?: FakeClock) =>
      testHoldfast(backend, {
        pipelines,
        budgets,
        clock,
        providers: {
          openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-ledger', ...fast },
          keepa: {
            kind: 'http',
            baseUrl: sim.url,
            apiKey: 'keepa-ledger',
            auth: { query: 'key' },
            ...fast,
            cost: (request) => ({ 'keepa:tokens': String(request.query?.asin ?? '').split(',').length }),
            usage: (answer) => ({
              'keepa:tokens': Number((answer.body as { tokensConsumed?: number }).tokensConsumed ?? 0),
            }),
          },
        },
      });
    const asins = (n: number) => ({
      method: 'GET' as const,
      path: '/product',
      query: { asin: Array.from({ length: n }, (_, i) => `B${i}`).join(',') },
    });

    it('reserves each call, settles what it used, and keeps used equal to what the provider charged', async () => {
      const hf = await make({
        accounts: [{ meter: 'openai:tokens', period: 'day', limit: 1_000_000 }],
        tenantTemplates: [{ meter: 'openai:tokens', period: 'month', limit: 500_000 }],
      });
      await hf.start();
      const { id } = await hf.submit('calls', { calls: 3 }, { tenant: 'acme' });
      const job = await waitForState(hf, id, 'succeeded');
      const charged = sim.requests().ledger.openai!;
      expect(job.output).toBe(charged.input + charged.output);
      const status = await hf.budgets.status({ tenant: 'acme' });
      expect(status.map((s) => [s.scope, s.period, s.used, s.reserved])).toEqual([
        ['global', 'day', charged.input + charged.output, 0],
        ['tenant:acme', 'month', charged.input + charged.output, 0],
      ]);
      const usage = await hf.budgets.usage({ days: 7, tenant: 'acme' });
      expect(usage.providers).toMatchObject([
        { provider: 'openai', calls: 3, tokensIn: charged.input, tokensOut: charged.output },
      ]);
      expect(usage.providers[0]!.costUsd).toBeGreaterThan(0);
    });

    it('refuses a job above its cap with JOB_TOO_EXPENSIVE, with the figures, and writes nothing', async () => {
      const sourcing = caller('sourcing', {
        estimate: (input) => ({ 'openai:tokens': 100 * (input as { calls: number }).calls }),
        budget: { 'openai:tokens': 200 },
      });
      const hf = await make({}, [sourcing]);
      const error = await hf.submit(sourcing, { calls: 5 }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'JOB_TOO_EXPENSIVE',
        details: { pipeline: 'sourcing', meter: 'openai:tokens', estimate: 500, cap: 200, excess: 300 },
      });
      expect((await hf.jobs.list()).jobs).toEqual([]);
    });

    it('refuses with QUOTA_EXCEEDED and INSUFFICIENT_TOKENS: balance, required, deficit, reset time', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
      const est = (meter: string, amount: number) =>
        caller(`needs-${meter}`, { estimate: () => ({ [meter]: amount }) });
      const hf = await make(
        {
          accounts: [
            { meter: 'openai:tokens', period: 'day', limit: 1_000 },
            { meter: 'keepa:tokens', period: { refill: 50, every: '3h', capacity: 300 } },
          ],
        },
        [est('openai:tokens', 700), est('keepa:tokens', 200)],
        clock,
      );
      await hf.submit('needs-openai:tokens', { calls: 0 });
      const quota = await hf.submit('needs-openai:tokens', { calls: 0 }).catch((e: unknown) => e);
      expect(quota).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: {
          scope: 'global',
          meter: 'openai:tokens',
          period: 'day',
          limit: 1000,
          used: 0,
          reserved: 700,
          balance: 300,
          required: 700,
          deficit: 400,
          resetAt: '2026-11-23T00:00:00.000Z',
        },
      });
      await hf.submit('needs-keepa:tokens', { calls: 0 });
      const tokens = await hf.submit('needs-keepa:tokens', { calls: 0 }).catch((e: unknown) => e);
      expect(tokens).toMatchObject({
        code: 'INSUFFICIENT_TOKENS',
        details: {
          scope: 'global',
          meter: 'keepa:tokens',
          balance: 100,
          required: 200,
          deficit: 100,
          resetAt: '2026-11-22T13:00:00.000Z',
          refill: { amount: 50, everyMs: 10_800_000 },
        },
      });
      expect((tokens as { recommendations(l: string): string[] }).recommendations('en')[1]).toContain(
        'enough in about 6 h',
      );
    });

    it('estimates a job against what is left, with warnings', async () => {
      const sourcing = caller('estimated', {
        estimate: (input) => ({ 'openai:tokens': 300 * (input as { calls: number }).calls }),
        budget: { 'openai:tokens': 2_000 },
      });
      const hf = await make({ accounts: [{ meter: 'openai:tokens', period: 'day', limit: 1_000 }] }, [
        sourcing,
      ]);
      const fits = await hf.estimate(sourcing, { calls: 3 });
      expect(fits).toMatchObject({
        safeToProceed: true,
        meters: [
          {
            meter: 'openai:tokens',
            estimate: 900,
            cap: 2000,
            balance: 1000,
            limit: 1000,
            remainingAfter: 100,
            safeToProceed: true,
          },
        ],
      });
      expect(fits.warnings.join(' ')).toContain('90 %');
      const short = await hf.estimate(sourcing, { calls: 4 });
      expect(short).toMatchObject({ safeToProceed: false, meters: [{ remainingAfter: -200 }] });
      expect(short.warnings[0]).toContain('200 short');
      const tooBig = await hf.estimate(sourcing, { calls: 7 });
      expect(tooBig.warnings.join(' ')).toContain('JOB_TOO_EXPENSIVE');
    });

    it('stops a job that would cross its cap with BUDGET_EXCEEDED, rolling its step back', async () => {
      // The cap counts what the job's calls spent plus the worst case of the call about to start:
      // one call fits (it spends far less than its hold), a second one's hold does not.
      const capped = caller('capped', { budget: { 'openai:tokens': chatHold + 5 } });
      const hf = await make({}, [capped]);
      await hf.start();
      const { id } = await hf.submit(capped, { calls: 5 });
      const job = await waitForState(hf, id, 'failed');
      const spent = sim.requests().ledger.openai!;
      expect(job.error).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        details: {
          meter: 'openai:tokens',
          cap: chatHold + 5,
          used: spent.input + spent.output,
          requested: chatHold,
        },
      });
      expect(sim.attempts('openai')).toBe(1);
      expect(job.steps?.find((s) => s.name === 'call:1')).toMatchObject({ state: 'failed', output: null });
    });

    it('announces each threshold once per account and period, with the figures', async () => {
      const hf = await make({
        accounts: [{ meter: 'keepa:tokens', period: 'none', limit: 100 }],
        thresholds: [0.8, 1],
      });
      const events: AnyHoldfastEvent[] = [];
      hf.events.subscribe({ types: ['quota:*'] }, (e) => events.push(e));
      await hf.providers.keepa!.request(asins(85));
      await hf.providers.keepa!.request(asins(10));
      await hf.providers.keepa!.request(asins(5));
      await waitFor(() => events.length === 2);
      expect(events.map((e) => [e.type, e.payload])).toEqual([
        [
          'quota:warning',
          expect.objectContaining({
            scope: 'global',
            meter: 'keepa:tokens',
            threshold: 0.8,
            used: 85,
            limit: 100,
            percent: 85,
          }),
        ],
        ['quota:exceeded', expect.objectContaining({ threshold: 1, used: 100, limit: 100, percent: 100 })],
      ]);
      // The limit is reached, never passed: the next call is refused before it is sent.
      await expect(hf.providers.keepa!.request(asins(1))).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: { balance: 0, required: 1 },
      });
      expect(sim.attempts('keepa')).toBe(3);
      const stored = (await hf.events.replay({ afterId: 0 })).filter((e) => e.type.startsWith('quota:'));
      expect(stored).toHaveLength(2);
    });

    it('releases the hold of a job that ended, and reaps nothing else', async () => {
      const estimated = caller('holding', { estimate: () => ({ 'openai:tokens': 5_000 }) });
      const hf = await make({ accounts: [{ meter: 'openai:tokens', period: 'none', limit: 100_000 }] }, [
        estimated,
      ]);
      await hf.start();
      const { id } = await hf.submit(estimated, { calls: 2 });
      await waitForState(hf, id, 'succeeded');
      await waitFor(async () => (await hf.budgets.status())[0]!.reserved === 0);
      const [account] = await hf.budgets.status();
      const charged = sim.requests().ledger.openai!;
      expect(account).toMatchObject({ used: charged.input + charged.output, reserved: 0 });
      expect(await hf.budgets.reap()).toEqual({ releasedJobs: 0, reapedCalls: 0 });
    });

    it('gives back the hold of a job cancelled before any worker ran it', async () => {
      const estimated = caller('held-then-cancelled', { estimate: () => ({ 'openai:tokens': 5_000 }) });
      const hf = await make({ accounts: [{ meter: 'openai:tokens', period: 'none', limit: 100_000 }] }, [
        estimated,
      ]);
      const { id } = await hf.submit(estimated, { calls: 1 });
      expect((await hf.budgets.status())[0]).toMatchObject({ reserved: 5_000 });
      await hf.jobs.cancel(id);
      await waitFor(async () => (await hf.budgets.status())[0]!.reserved === 0);
      expect((await hf.budgets.status())[0]).toMatchObject({ used: 0, remaining: 100_000 });
    });

    it('rolls a day over at UTC midnight and a month on the 1st (fake clock)', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 30, 23, 59));
      const hf = await make(
        {
          accounts: [
            { meter: 'openai:tokens', period: 'day', limit: 10_000 },
            { meter: 'openai:tokens', period: 'month', limit: 100_000 },
          ],
        },
        [caller('calls')],
        clock,
      );
      await hf.providers.openai!.request(chat());
      const used = (await hf.budgets.status()).map((s) => s.used);
      expect(used[0]).toBeGreaterThan(0);
      expect(used[1]).toBe(used[0]);
      await clock.setTime(Date.UTC(2026, 10, 30, 23, 59, 59, 999));
      expect((await hf.budgets.status()).map((s) => s.used)).toEqual(used);
      await clock.setTime(Date.UTC(2026, 11, 1, 0, 0));
      const after = await hf.budgets.status();
      expect(after.map((s) => [s.period, s.used, s.resetAt])).toEqual([
        ['day', 0, '2026-12-02T00:00:00.000Z'],
        ['month', 0, '2027-01-01T00:00:00.000Z'],
      ]);
    });

    it('parks a wait-mode job until the bucket refills, then runs it (fake clock)', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 10));
      const sourcing = definePipeline({
        name: 'keepa-sourcing',
        budgetMode: 'wait',
        timeout: false,
        estimate: (input) => ({ 'keepa:tokens': (input as { asins: number }).asins }),
        run: async ({ input, step }) =>
          step.run(
            'lookup',
            async (ctx) =>
              (await ctx.call('keepa', asins((input as { asins: number }).asins))).usage!.meters[
                'keepa:tokens'
              ],
          ),
      });
      const hf = await make(
        { accounts: [{ meter: 'keepa:tokens', period: { refill: 25, every: '1h', capacity: 50 } }] },
        [sourcing],
        clock,
      );
      // A holds 30 of the 50 tokens; B needs 40 and 20 are left: one refill of 25 makes it fit.
      const a = await hf.submit(sourcing, { asins: 30 });
      const b = await hf.submit(sourcing, { asins: 40 });
      expect(a.state).toBe('queued');
      expect(b.state).toBe('waiting');
      const parked = await hf.jobs.get(b.id);
      expect(parked.waitReason).toBe('budget');
      expect(parked.runAt).toBe(new Date(Date.UTC(2026, 10, 22, 11)).toISOString());
      await hf.start();
      await waitForState(hf, a.id, 'succeeded');
      await waitFor(async () => (await hf.budgets.status())[0]!.reserved === 0);
      expect((await hf.budgets.status())[0]).toMatchObject({ balance: 20 });
      await clock.setTime(Date.UTC(2026, 10, 22, 10, 59));
      await new Promise((r) => setTimeout(r, 200));
      expect((await hf.jobs.get(b.id)).state).toBe('waiting');
      await clock.setTime(Date.UTC(2026, 10, 22, 11));
      const done = await waitForState(hf, b.id, 'succeeded');
      expect(done.output).toBe(40);
      await waitFor(async () => (await hf.budgets.status())[0]!.reserved === 0);
      expect((await hf.budgets.status())[0]).toMatchObject({ balance: 5 });
    });

    it('pre-checks a manual retry against the steps that remain, unless forced', async () => {
      const planned = definePipeline({
        name: 'planned',
        retry: { attempts: 1 },
        steps: ['a', 'b', 'c', 'd'],
        estimate: () => ({ 'openai:tokens': 800 }),
        run: async ({ step }) => {
          await step.run('a', () => 1);
          await step.run('b', () => {
            throw new Error('provider down');
          });
        },
      });
      const hf = await make({ accounts: [{ meter: 'openai:tokens', period: 'none', limit: 1_000 }] }, [
        planned,
      ]);
      await hf.start();
      const { id } = await hf.submit(planned, {});
      await waitForState(hf, id, 'failed');
      await waitFor(async () => (await hf.budgets.status())[0]!.reserved === 0);
      // Spend most of the budget elsewhere: 500 left, the remaining 3 of 4 steps need 600.
      await hf.budgets.setLimit({ scope: 'global', meter: 'openai:tokens', limit: 500 });
      const refused = await hf.jobs.retry(id).catch((e: unknown) => e);
      expect(refused).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: { required: 600, balance: 500, deficit: 100 },
      });
      expect((await hf.jobs.get(id)).state).toBe('failed');
      const forced = await hf.jobs.retry(id, { force: true });
      expect(['queued', 'running', 'failed']).toContain(forced.state);
    });
  });
}
