import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBusIngress } from '../src/bus/index.js';
import { internalsOf } from '../src/runtime/internals.js';
import { analyse } from './fixtures/bus-pipelines.js';
import { backends } from './support/backends.js';
import { type BrokerKit, natsKit, rabbitKit } from './support/bus-brokers.js';
import { testHoldfast } from './support/holdfast.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { waitFor } from './support/wait.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const inflight = 5;
const messages = 30;

for (const [broker, makeKit] of [
  ['NATS JetStream', natsKit],
  ['RabbitMQ', rabbitKit],
] as const) {
  describe.runIf(postgres.available)(`bus ingress from ${broker} while PostgreSQL is away`, () => {
    let kit: BrokerKit;
    beforeAll(async () => {
      kit = await makeKit();
    });
    afterAll(async () => {
      await kit?.close();
    });

    it('holds at most `inflight` messages, stops pulling instead of nacking in a loop, and resumes when the database is back', async () => {
      const direct = new URL(await postgres.database());
      const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      const viaProxy = new URL(direct);
      viaProxy.port = String(proxy.port);
      // The outage is expected: keep its warnings out of the test output.
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const hf = await testHoldfast(postgres, {
        pipelines: [analyse],
        database: viaProxy.toString(),
        logger: quiet,
      });
      const names = kit.names('outage');
      const consumer = `holdfast-${names.from.replace(/\./g, '-')}`;
      const ingress = await startBusIngress(hf, {
        source: kit.source,
        routes: [{ from: names.from, pipeline: 'analyse', deadLetter: names.deadLetter }],
        inflight,
      });
      try {
        proxy.cut();
        for (let i = 0; i < messages; i++) {
          await kit.publish(names.from, JSON.stringify({ n: i }), { id: `outage-${i}` });
        }
        await waitFor(() => ingress.status().state === 'paused', 30_000, 'the ingress paused');
        // It may pause before its first pull (the pool saw the outage first) or with messages in
        // hand (a submit met it): either way never more than `inflight`.
        const pausedWith = ingress.status().routes[0]!.received;
        expect(pausedWith).toBeLessThanOrEqual(inflight);
        // Several attempts to reach the database fail meanwhile (the ingress's probes)…
        await waitFor(() => proxy.refused >= 4, 30_000, 'four failed attempts to reach the database');
        // …and nothing more was pulled, nothing given back and delivered again: the messages in
        // hand wait, the others stay on the broker.
        expect(ingress.status().routes[0]).toMatchObject({
          received: pausedWith,
          inHand: pausedWith,
          acknowledged: 0,
          released: 0,
        });
        const backlog = await kit.backlog(names.from, consumer);
        expect(backlog.waiting).toBe(messages - pausedWith);
        expect(backlog.redelivered).toBe(0);

        proxy.restore();
        await waitFor(
          () => ingress.status().routes[0]!.acknowledged === messages,
          60_000,
          'every message acknowledged',
        );
        expect(ingress.status()).toMatchObject({ state: 'running' });
        expect(ingress.status().routes[0]).toMatchObject({
          received: messages,
          submitted: messages,
          duplicates: 0,
        });
        const { rows } = await (await internalsOf(hf).open()).store.query<{ n: number }>(
          'select count(*)::int as n from holdfast.jobs',
        );
        expect(rows[0]!.n).toBe(messages);
      } finally {
        proxy.restore();
        await ingress.stop({ graceMs: 1000 });
        await hf.close();
        await proxy.close();
      }
      expect(await kit.backlog(names.from, consumer)).toMatchObject({ waiting: 0, unacknowledged: 0 });
    }, 120_000);
  });
}
