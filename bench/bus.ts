/**
 * The bus ingress on PostgreSQL, for each broker: messages per second from the broker to a
 * committed job, and the latency from publish to `job:queued`. Target: ≥ 2,000 messages/s.
 *
 *   npm run bench:bus
 *   MESSAGES=5000 BROKERS=nats npm run bench:bus
 *   INFLIGHT=200 BATCH=200 npm run bench:bus
 *
 * Throughput: MESSAGES messages are published first (each with its own message id), then the
 * ingress starts; the time runs from its start to the last `job:queued` (the event is published
 * after the submit transaction committed). No worker runs: the jobs stay queued, so the figure is
 * the ingress alone (read, map, idempotent submit, acknowledge).
 * Latency: with the ingress idle, LATENCY_MESSAGES messages are published at RATE per second; each
 * carries its publish time, and the time to its job's `job:queued` event is taken in this process.
 */
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect as natsConnect, headers as natsHeaders } from '@nats-io/transport-node';
import amqp from 'amqplib';
import pg from 'pg';
import { z } from 'zod';
import { startBusIngress } from '../src/bus/index.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { internalsOf } from '../src/runtime/internals.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { percentile, type Row, report } from './report.js';

const messages = Number(process.env.MESSAGES ?? 20_000);
const latencyMessages = Number(process.env.LATENCY_MESSAGES ?? 3_000);
const rate = Number(process.env.RATE ?? 500);
const inflight = Number(process.env.INFLIGHT ?? 100);
const batchSize = Number(process.env.BATCH ?? 100);
const brokers = (process.env.BROKERS ?? 'nats,rabbitmq').split(',');
const adminUrl = process.env.HOLDFAST_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const tag = `hfbench${process.pid}${Date.now().toString(36)}`;

const order = definePipeline({
  name: 'order',
  input: z.object({ n: z.number().int(), sentAt: z.number() }),
  run: async () => null,
});

/** A producer: publishes durably, many at a time. */
interface Producer {
  readonly source: string;
  /** Creates the stream or queue, as an operator would before producers start. */
  prepare(destination: string): Promise<void>;
  publish(destination: string, items: ReadonlyArray<{ id: string; body: string }>): Promise<void>;
  cleanUp(destinations: string[]): Promise<void>;
  close(): Promise<void>;
}

async function natsProducer(): Promise<Producer> {
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  return {
    source: 'nats://127.0.0.1:4222',
    async prepare(subject) {
      await jsm.streams.add({
        name: subject.replace(/[^A-Za-z0-9_-]/g, '_'),
        subjects: [subject],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      });
    },
    async publish(subject, items) {
      const window = 256;
      for (let i = 0; i < items.length; i += window) {
        await Promise.all(
          items.slice(i, i + window).map((item) => {
            const h = natsHeaders();
            h.set('Nats-Msg-Id', item.id);
            return js.publish(subject, item.body, { headers: h });
          }),
        );
      }
    },
    async cleanUp(subjects) {
      for (const subject of subjects) {
        const stream = await jsm.streams.find(subject).catch(() => undefined);
        if (stream) await jsm.streams.delete(stream).catch(() => {});
      }
    },
    close: () => nc.close(),
  };
}

async function rabbitProducer(): Promise<Producer> {
  const source = 'amqp://guest:guest@127.0.0.1:5672';
  const connection = await amqp.connect(source);
  const channel = await connection.createConfirmChannel();
  return {
    source,
    async prepare(queue) {
      await channel.assertQueue(queue, { durable: true });
    },
    async publish(queue, items) {
      for (const item of items) {
        channel.sendToQueue(queue, Buffer.from(item.body), { persistent: true, messageId: item.id });
      }
      await channel.waitForConfirms();
    },
    async cleanUp(queues) {
      for (const queue of queues) await channel.deleteQueue(queue).catch(() => {});
    },
    close: () => connection.close(),
  };
}

async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hf_bench_bus_${process.pid}_${Date.now()}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client(adminUrl);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const now = () => performance.timeOrigin + performance.now();

async function measure(broker: string): Promise<Row> {
  const producer = broker === 'nats' ? await natsProducer() : await rabbitProducer();
  const db = await freshPostgres();
  const hf = createHoldfast({ database: db.url, pipelines: [order] });
  await hf.ready();
  const from = `${tag}.${broker}.in`;
  const deadLetter = `${tag}.${broker}.dlq`;
  try {
    // Throughput: a backlog, then the ingress drains it.
    await producer.prepare(from);
    await producer.publish(
      from,
      Array.from({ length: messages }, (_, n) => ({ id: `t-${n}`, body: JSON.stringify({ n, sentAt: 0 }) })),
    );
    let queued = 0;
    let lastQueuedAt = 0;
    const queuedAt = new Map<string, number>();
    let measuringLatency = false;
    const unsubscribe = hf.events.subscribe({ types: ['job:queued'] }, (event) => {
      queued += 1;
      lastQueuedAt = now();
      if (measuringLatency && event.jobId) queuedAt.set(event.jobId, lastQueuedAt);
    });
    const startedAt = now();
    const ingress = await startBusIngress(hf, {
      source: producer.source,
      routes: [{ from, pipeline: 'order', deadLetter }],
      inflight,
      batchSize,
    });
    while (queued < messages) await new Promise((r) => setTimeout(r, 5));
    const seconds = (lastQueuedAt - startedAt) / 1000;
    await waitUntil(() => ingress.status().routes[0]!.acknowledged >= messages);

    // Latency: a steady RATE of messages to an idle ingress.
    measuringLatency = true;
    const perTick = Math.max(1, Math.round(rate / 50));
    for (let sent = 0; sent < latencyMessages; sent += perTick) {
      const tickStart = now();
      const items = Array.from({ length: Math.min(perTick, latencyMessages - sent) }, (_, i) => {
        const n = sent + i;
        return { id: `l-${n}`, body: JSON.stringify({ n, sentAt: now() }) };
      });
      await producer.publish(from, items);
      await new Promise((r) => setTimeout(r, Math.max(0, 20 - (now() - tickStart))));
    }
    await waitUntil(() => queuedAt.size >= latencyMessages);
    unsubscribe();
    const { rows } = await (await internalsOf(hf).open()).store.query<{ id: string; sent_at: number }>(
      `select id, (input->>'sentAt')::float8 as sent_at from holdfast.jobs where idempotency_key like 'l-%'`,
    );
    const latencies = rows.map((r) => queuedAt.get(r.id)! - r.sent_at).sort((a, b) => a - b);
    const status = ingress.status().routes[0]!;
    await ingress.stop();
    return {
      broker: broker === 'nats' ? 'NATS JetStream' : 'RabbitMQ',
      messages,
      'messages/s': Math.round(messages / seconds),
      'target ≥ 2,000/s': messages / seconds >= 2000 ? 'met' : 'MISSED',
      'publish→job:queued p50 ms': round(percentile(latencies, 50)),
      'p99 ms': round(percentile(latencies, 99)),
      'latency msgs @ rate/s': `${latencies.length} @ ${rate}`,
      duplicates: status.duplicates,
    };
  } finally {
    await hf.close();
    await producer.cleanUp([from, deadLetter]);
    await producer.close();
    await db.drop();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

async function waitUntil(condition: () => boolean, timeoutMs = 300_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('bench: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rows: Row[] = [];
for (const broker of brokers) rows.push(await measure(broker));
report('bus', rows, {
  messages,
  inflight,
  batchSize,
  latencyMessages,
  rate,
  store: 'PostgreSQL 127.0.0.1:5432',
});
process.exit(0);
