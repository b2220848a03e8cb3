import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetOptions } from '../src/ledger/budget-config.js';
import { costUsd, defaultPricing, priceOf } from '../src/ledger/pricing.js';
import { type AnyPipeline, definePipeline } from '../src/runtime/pipeline.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';
import { fast } from './support/providers.js';

/** Tenants, operator overrides, USD budgets, provider-reported balances and the usage report. */

let sim: Simulator;
let keepaSim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5 });
  // A bucket that starts at 100 of 300: Holdfast's own bucket starts full and must be corrected.
  keepaSim = await startSimulator({
    seed: 5,
    keepa: { capacity: 300, initial: 100, refillEveryMs: 3_600_000 },
  });
});
afterAll(async () => {
  await sim.close();
  await keepaSim.close();
});
beforeEach(() => {
  sim.reset();
  keepaSim.reset();
});

const chat = (model: string, max = 40) => ({
  path: '/v1/chat/completions',
  body: { model, messages: [{ role: 'user', content: 'Summarise the supplier report' }], max_tokens: max },
});

const oneCall = definePipeline({
  name: 'one-call',
  retry: { attempts: 1 },
  timeout: false,
  run: async ({ step }) =>
    step.run('call', async (ctx) => (await ctx.call('openai', chat('gpt-4o-mini'))).usage!.meters),
});

for (const backend of backends) {
  describe.runIf(backend.available)(`ledger accounts on ${backend.name}`, () => {
    const make = (budgets: BudgetOptions, pipelines: AnyPipeline[] = [oneCall], clock?: FakeClock) =>
      testHoldfast(backend, {
        pipelines,
        budgets,
        clock,
        providers: {
          openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-accounts', ...fast },
          keepa: {
            kind: 'http',
            baseUrl: keepaSim.url,
            apiKey: 'keepa-accounts',
            auth: { query: 'key' },
            ...fast,
            cost: (request) => ({ 'keepa:tokens': String(request.query?.asin ?? '').split(',').length }),
            usage: (answer) => ({
              'keepa:tokens': Number((answer.body as { tokensConsumed?: number }).tokensConsumed ?? 0),
            }),
            balance: (answer) => ({
              'keepa:tokens': Number((answer.body as { tokensLeft?: number }).tokensLeft),
            }),
          },
        },
      });

    it('gives each new tenant its own accounts from the templates, and keeps tenants apart', async () => {
      const hf = await make({
        tenantTemplates: [{ meter: 'openai:tokens', period: 'month', limit: 50_000 }],
      });
      await hf.start();
      expect(await hf.budgets.status()).toEqual([]);
      const a = await hf.submit(oneCall, {}, { tenant: 'acme' });
      await waitForState(hf, a.id, 'succeeded');
      const b = await hf.submit(oneCall, {}, { tenant: 'globex' });
      await waitForState(hf, b.id, 'succeeded');
      const all = await hf.budgets.status();
      expect(all.map((s) => [s.scope, s.meter, s.period, s.limit])).toEqual([
        ['tenant:acme', 'openai:tokens', 'month', 50_000],
        ['tenant:globex', 'openai:tokens', 'month', 50_000],
      ]);
      const charged = sim.requests().log.map((e) => e.usage.input + e.usage.output);
      expect(all.map((s) => s.used)).toEqual(charged);
      // A tenant's status shows its own accounts only.
      expect((await hf.budgets.status({ tenant: 'acme' })).map((s) => s.scope)).toEqual(['tenant:acme']);
    });

    it('lets an operator raise and credit a tenant, even before its first job', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
      const needs = definePipeline({
        name: 'needs-900',
        timeout: false,
        estimate: () => ({ 'openai:tokens': 900 }),
        run: async () => null,
      });
      const hf = await make(
        { tenantTemplates: [{ meter: 'openai:tokens', period: 'month', limit: 1_000 }] },
        [needs],
        clock,
      );
      // Not seen yet: the override creates the tenant's accounts from the templates first.
      const raised = await hf.budgets.setLimit({
        scope: 'tenant:initech',
        meter: 'openai:tokens',
        limit: 1_500,
      });
      expect(raised).toMatchObject({ scope: 'tenant:initech', limit: 1_500, used: 0, remaining: 1_500 });
      await hf.submit(needs, {}, { tenant: 'initech' });
      await expect(hf.submit(needs, {}, { tenant: 'initech' })).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: { scope: 'tenant:initech', balance: 600, required: 900, deficit: 300 },
      });
      const credited = await hf.budgets.credit({
        scope: 'tenant:initech',
        meter: 'openai:tokens',
        amount: 300,
      });
      expect(credited).toMatchObject({ limit: 1_800, reserved: 900, remaining: 900 });
      await hf.submit(needs, {}, { tenant: 'initech' });
      // Other tenants keep the template's limit.
      await hf.submit(needs, {}, { tenant: 'hooli' });
      await expect(hf.submit(needs, {}, { tenant: 'hooli' })).rejects.toMatchObject({
        details: { scope: 'tenant:hooli', limit: 1_000, deficit: 800 },
      });
      await expect(
        hf.budgets.credit({ scope: 'tenant:initech', meter: 'openai:tokens', amount: -5 }),
      ).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'amount' } });
      await expect(hf.budgets.setLimit({ scope: 'global', meter: 'nope', limit: 5 })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('never spends past a USD budget: each call is held at its priced worst case, then settled at its price', async () => {
      const price = priceOf(defaultPricing, 'openai', 'gpt-4o')!;
      const limit = 0.004;
      const hf = await make({ accounts: [{ meter: 'usd', period: 'day', limit }] });
      const request = chat('gpt-4o', 60);
      const worst = costUsd(price, {
        input: Buffer.byteLength(JSON.stringify(request.body)),
        output: 60,
        cached: 0,
      });
      let refused: unknown;
      let sent = 0;
      const used: number[] = [];
      while (!refused) {
        try {
          await hf.providers.openai!.request(request);
          sent += 1;
          const [account] = await hf.budgets.status();
          used.push(account!.used);
        } catch (error) {
          refused = error;
        }
      }
      expect(sent).toBeGreaterThan(3);
      expect(Math.max(...used)).toBeLessThanOrEqual(limit);
      // What was charged is what the provider's own count costs at list price, call by call.
      const billed = sim
        .requests()
        .log.reduce((sum, e) => sum + costUsd(price, { ...e.usage, cached: e.usage.cached ?? 0 }), 0);
      expect(used.at(-1)).toBeCloseTo(billed, 6);
      expect(refused).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        details: { meter: 'usd', limit, required: worst },
      });
      const { balance, deficit } = (refused as { details: { balance: number; deficit: number } }).details;
      expect(balance).toBeCloseTo(limit - billed, 6);
      expect(deficit).toBeCloseTo(worst - balance, 6);
      // The refused call was never sent.
      expect(sim.attempts('openai')).toBe(sent);
    });

    it("corrects a refill account to the balance the provider reports (Keepa's tokensLeft)", async () => {
      const hf = await make({
        accounts: [{ meter: 'keepa:tokens', period: { refill: 20, every: '1h', capacity: 300 } }],
      });
      expect((await hf.budgets.status())[0]).toMatchObject({ balance: 300 });
      await hf.providers.keepa!.request({ method: 'GET', path: '/product', query: { asin: 'B1,B2,B3' } });
      // The provider had 100 and charged 3: its 97 wins over our 297.
      expect((await hf.budgets.status())[0]).toMatchObject({ balance: 97, reserved: 0 });
      // Now a request for 98 ASINs is refused before it is sent.
      const many = Array.from({ length: 98 }, (_, i) => `B${i}`).join(',');
      await expect(
        hf.providers.keepa!.request({ method: 'GET', path: '/product', query: { asin: many } }),
      ).rejects.toMatchObject({
        code: 'INSUFFICIENT_TOKENS',
        details: { balance: 97, required: 98, deficit: 1 },
      });
      expect(keepaSim.attempts('keepa')).toBe(1);
    });

    it('reports usage per day and provider over the last N days, with totals and daily averages', async () => {
      const clock = new FakeClock(Date.UTC(2026, 10, 20, 23, 30));
      const hf = await make({}, [oneCall], clock);
      const call = async (tenant: string) => {
        await hf.providers.openai!.request(chat('gpt-4o-mini'), { budget: { tenant } });
      };
      await call('acme');
      await clock.setTime(Date.UTC(2026, 10, 21, 0, 30));
      await call('acme');
      await call('globex');
      await clock.setTime(Date.UTC(2026, 10, 22, 12));
      await call('acme');
      const log = sim.requests().log;
      const price = priceOf(defaultPricing, 'openai', 'gpt-4o-mini')!;
      const cost = (i: number) => costUsd(price, { ...log[i]!.usage, cached: log[i]!.usage.cached ?? 0 });

      const report = await hf.budgets.usage({ days: 3 });
      expect(report).toMatchObject({ days: 3, from: '2026-11-20', to: '2026-11-22' });
      expect(report.daily.map((d) => [d.day, d.provider, d.calls])).toEqual([
        ['2026-11-20', 'openai', 1],
        ['2026-11-21', 'openai', 2],
        ['2026-11-22', 'openai', 1],
      ]);
      const tokensIn = log.reduce((s, e) => s + e.usage.input, 0);
      const tokensOut = log.reduce((s, e) => s + e.usage.output, 0);
      const total = cost(0) + cost(1) + cost(2) + cost(3);
      expect(report.providers).toHaveLength(1);
      expect(report.providers[0]).toMatchObject({ provider: 'openai', calls: 4, tokensIn, tokensOut });
      expect(report.providers[0]!.costUsd).toBeCloseTo(total, 6);
      expect(report.providers[0]!.avgCallsPerDay).toBeCloseTo(4 / 3, 1);
      expect(report.total.avgCostPerDayUsd).toBeCloseTo(total / 3, 6);

      // One tenant, and a window that leaves the first day out.
      const acme = await hf.budgets.usage({ days: 2, tenant: 'acme' });
      expect(acme.daily.map((d) => [d.day, d.calls])).toEqual([
        ['2026-11-21', 1],
        ['2026-11-22', 1],
      ]);
      expect(acme.total.costUsd).toBeCloseTo(cost(1) + cost(3), 6);
    });
  });
}
