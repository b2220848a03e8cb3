import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterBody } from '../../src/bus/dead-letter.js';
import { type BusIngress, startBusIngress } from '../../src/bus/index.js';
import type { Holdfast } from '../../src/runtime/holdfast.js';
import { analyse, meter, priced, pricedWait } from '../fixtures/bus-pipelines.js';
import { backends } from './backends.js';
import type { BrokerKit } from './bus-brokers.js';
import { storeOf, testHoldfast } from './holdfast.js';
import { waitFor } from './wait.js';

/** The bus's acceptance tests against one real broker, on each storage backend. */
export function busSuite(makeKit: () => Promise<BrokerKit>): void {
  let kit: BrokerKit;
  const running: BusIngress[] = [];
  beforeAll(async () => {
    kit = await makeKit();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((i) => i.stop({ graceMs: 1000 })));
  });
  afterAll(async () => {
    await kit?.close();
  });

  const start = async (hf: Holdfast, options: Parameters<typeof startBusIngress>[1]) => {
    const ingress = await startBusIngress(hf, options);
    running.push(ingress);
    return ingress;
  };

  for (const backend of backends) {
    describe.runIf(backend.available)(`on ${backend.name}`, () => {
      it('500 messages of which 50 are re-published duplicates: exactly 450 jobs, every message acknowledged', async () => {
        const names = kit.names('dups');
        await kit.prepareSource(names.from);
        const hf = await testHoldfast(backend, { pipelines: [analyse] });
        const ingress = await start(hf, {
          source: kit.source,
          routes: [{ from: names.from, pipeline: 'analyse', deadLetter: names.deadLetter }],
          inflight: 100,
          ackWait: '10s',
        });
        const stored: boolean[] = [];
        for (let i = 0; i < 250; i++) {
          stored.push(await kit.publish(names.from, JSON.stringify({ n: i }), { id: `order-${i}` }));
        }
        // Past JetStream's own duplicate window (100 ms on this stream): the broker keeps the
        // duplicates and delivers them, so only Holdfast can recognise them.
        await new Promise((r) => setTimeout(r, 250));
        for (let j = 0; j < 250; j++) {
          const id = j % 5 === 0 ? j / 5 : 250 + j - Math.ceil(j / 5);
          stored.push(await kit.publish(names.from, JSON.stringify({ n: id }), { id: `order-${id}` }));
        }
        expect(stored.filter(Boolean)).toHaveLength(500);

        await waitFor(() => ingress.status().routes[0]!.acknowledged >= 500, 60_000, '500 acknowledgements');
        const { rows } = await (await storeOf(hf)).query<{ jobs: number; keys: number }>(
          'select count(*)::int as jobs, count(distinct idempotency_key)::int as keys from holdfast.jobs',
        );
        expect(rows[0]).toEqual({ jobs: 450, keys: 450 });
        const stats = ingress.status().routes[0]!;
        expect(stats).toMatchObject({ submitted: 450, duplicates: 50, deadLettered: {}, inHand: 0 });
        expect(stats.acknowledged).toBe(stats.received);

        await ingress.stop();
        expect(await kit.backlog(names.from, `holdfast-${names.from.replace(/\./g, '-')}`)).toMatchObject({
          waiting: 0,
          unacknowledged: 0,
        });
      }, 90_000);

      it('a malformed message, a schema failure and a budget refusal land in deadLetter with their code; budgetMode wait parks the job', async () => {
        const failRoute = kit.names('refusals');
        const waitRoute = kit.names('parked');
        const hf = await testHoldfast(backend, {
          pipelines: [priced, pricedWait],
          budgets: { accounts: [{ meter, period: 'day', limit: 1000 }] },
        });
        const ingress = await start(hf, {
          source: kit.source,
          routes: [
            { from: failRoute.from, pipeline: 'priced', deadLetter: failRoute.deadLetter },
            { from: waitRoute.from, pipeline: 'priced-wait', deadLetter: waitRoute.deadLetter },
          ],
        });
        const dlq = await kit.read(failRoute.deadLetter);
        await kit.publish(failRoute.from, JSON.stringify({ tokens: 300 }), { id: 'fits' });
        await kit.publish(failRoute.from, '{"tokens": 12', {
          id: 'truncated',
          correlationId: 'corr-truncated',
        });
        await kit.publish(failRoute.from, JSON.stringify({ tokens: 'many' }), { id: 'wrong-type' });
        await kit.publish(failRoute.from, JSON.stringify({ tokens: 5000 }), { id: 'too-big' });

        const letters = await dlq.waitFor(3);
        const byKey = new Map(
          letters.map((m) => {
            const body = JSON.parse(m.body) as DeadLetterBody;
            return [body.original.idempotencyKey, { body, message: m }];
          }),
        );
        const truncated = byKey.get('truncated')!;
        expect(truncated.message.headers['holdfast-error-code']).toBe('VALIDATION_ERROR');
        expect(truncated.body.error.message).toContain('not valid JSON');
        expect(truncated.body.original).toMatchObject({
          body: '{"tokens": 12',
          correlationId: 'corr-truncated',
        });
        expect(truncated.message.correlationId).toBe('corr-truncated');
        expect(truncated.body.error.recommendations.length).toBeGreaterThan(0);
        expect(truncated.body.recommendationsFr.join(' ')).toContain('Corrigez');

        const wrongType = byKey.get('wrong-type')!;
        expect(wrongType.body.error.code).toBe('VALIDATION_ERROR');
        expect(wrongType.body.error.details).toMatchObject({ field: 'tokens' });

        const tooBig = byKey.get('too-big')!;
        expect(tooBig.body.error.code).toBe('QUOTA_EXCEEDED');
        const d = tooBig.body.error.details as {
          balance: number;
          required: number;
          deficit: number;
          resetAt: string;
        };
        expect(d.required).toBe(5000);
        expect([1000, 700]).toContain(d.balance);
        expect(d.deficit).toBe(d.required - d.balance);
        expect(Date.parse(d.resetAt)).toBeGreaterThan(Date.now());
        expect(tooBig.message.headers).toMatchObject({
          'holdfast-error-code': 'QUOTA_EXCEEDED',
          'holdfast-token-required': '5000',
          'holdfast-token-balance': String(d.balance),
          'holdfast-token-deficit': String(d.deficit),
          'holdfast-token-reset': d.resetAt,
        });
        expect(tooBig.body.recommendationsFr.length).toBe(tooBig.body.error.recommendations.length);

        // What the day has left (700, or 1,000 if 'fits' is not reserved yet) is not enough: the
        // wait route parks its job instead of refusing it.
        await waitFor(() => ingress.status().routes[0]!.acknowledged === 4, 20_000, 'the first route done');
        await kit.publish(waitRoute.from, JSON.stringify({ tokens: 800 }), { id: 'waits' });
        await waitFor(
          () =>
            ingress.status().routes.every((r) => r.inHand === 0 && r.acknowledged === r.received) &&
            ingress.status().routes[1]!.acknowledged === 1,
          20_000,
          'every message acknowledged',
        );
        const [fail, wait] = ingress.status().routes;
        expect(fail).toMatchObject({
          received: 4,
          submitted: 1,
          deadLettered: { VALIDATION_ERROR: 2, QUOTA_EXCEEDED: 1 },
        });
        expect(wait).toMatchObject({ received: 1, submitted: 1, parked: 1, deadLettered: {} });
        const parked = await hf.jobs.list({ pipeline: 'priced-wait' });
        expect(parked.jobs.map((j) => [j.state, j.waitReason])).toEqual([['waiting', 'budget']]);
        await dlq.close();
        await ingress.stop();
        for (const route of [failRoute, waitRoute]) {
          expect(await kit.backlog(route.from, `holdfast-${route.from.replace(/\./g, '-')}`)).toMatchObject({
            waiting: 0,
            unacknowledged: 0,
          });
        }
      }, 60_000);

      it("publishes each job's outcome on results with the message's correlation id", async () => {
        const names = kit.names('results');
        const hf = await testHoldfast(backend, { pipelines: [analyse] });
        await hf.start();
        const ingress = await start(hf, {
          source: kit.source,
          routes: [
            { from: names.from, pipeline: 'analyse', deadLetter: names.deadLetter, results: names.results },
          ],
        });
        const results = await kit.read(names.results);
        for (const n of [1, 2, 3, 4, -1]) {
          await kit.publish(names.from, JSON.stringify({ n }), {
            id: `job-${n}`,
            correlationId: `corr-${n}`,
          });
        }
        await kit.publish(names.from, JSON.stringify({ n: 7 }), { id: 'no-correlation' });
        const arrived = await results.waitFor(6);
        const outcomes = new Map(arrived.map((m) => [m.correlationId, { ...m, body: JSON.parse(m.body) }]));
        for (const n of [1, 2, 3, 4]) {
          const outcome = outcomes.get(`corr-${n}`)!;
          expect(outcome.body).toMatchObject({
            correlationId: `corr-${n}`,
            idempotencyKey: `job-${n}`,
            state: 'succeeded',
            output: { doubled: n * 2 },
          });
          expect(outcome.headers['holdfast-job-state']).toBe('succeeded');
          expect((await hf.jobs.get(outcome.body.jobId)).idempotencyKey).toBe(`job-${n}`);
        }
        expect(outcomes.get('corr--1')!.body).toMatchObject({
          state: 'failed',
          error: { code: 'STEP_FAILED', message: 'cannot analyse -1' },
        });
        // Without a correlation id, the message's key stands for it.
        expect(outcomes.get('no-correlation')!.body).toMatchObject({
          state: 'succeeded',
          output: { doubled: 14 },
        });
        // The broker may hand a result over before it confirms the publish to the ingress.
        await waitFor(() => ingress.status().results.published === 6, 10_000, 'six publishes confirmed');
        expect(ingress.status().results).toMatchObject({ pending: 0, failed: 0 });
        await results.close();
      }, 60_000);
    });
  }
}
