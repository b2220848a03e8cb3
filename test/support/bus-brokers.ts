import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, nanos, headers as natsHeaders } from '@nats-io/transport-node';
import amqp from 'amqplib';
import { waitFor } from './wait.js';

/**
 * The real brokers of the bus tests — NATS JetStream on 127.0.0.1:4222 and RabbitMQ on
 * 127.0.0.1:5672 — seen from the outside, as a producer and an operator see them: publish,
 * read a destination, count what is still waiting or unacknowledged. Every name is unique to the
 * test run, and everything a kit created is deleted by close().
 */
export interface BrokerKit {
  readonly name: 'nats' | 'rabbitmq';
  readonly source: string;
  /** Unique subject / queue names for one test. */
  names(label: string): { from: string; deadLetter: string; results: string };
  /**
   * Makes `from` ready before the ingress does, as an operator would. NATS: a work-queue stream
   * whose duplicate window is the minimum (100 ms), so that a re-published duplicate reaches the
   * consumer instead of being dropped by JetStream itself.
   */
  prepareSource(from: string): Promise<void>;
  /** Publishes durably; resolves once the broker stored the message. Returns false if the broker dropped it as a duplicate. */
  publish(destination: string, body: string | Buffer, options?: PublishOptions): Promise<boolean>;
  /** Reads what arrives at `destination` (from its start), until close(). */
  read(destination: string): Promise<Reader>;
  /** Messages of `from` not yet delivered, delivered and not acknowledged, and delivered again. */
  backlog(from: string, consumer: string): Promise<Backlog>;
  close(): Promise<void>;
}

export interface PublishOptions {
  readonly id?: string;
  readonly correlationId?: string;
  readonly headers?: Record<string, string>;
}

export interface Received {
  readonly body: string;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  readonly correlationId: string | undefined;
}

export interface Reader {
  readonly messages: Received[];
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export interface Backlog {
  /** Stored and not delivered yet (RabbitMQ: ready in the queue, which includes unacked ones after the consumer left). */
  readonly waiting: number;
  /** Delivered and not acknowledged (NATS only; RabbitMQ shows them as waiting once the consumer is gone). */
  readonly unacknowledged: number;
  /** Deliveries that were redeliveries (NATS only). */
  readonly redelivered: number;
}

const runTag = `${process.pid}${randomBytes(3).toString('hex')}`;
let counter = 0;

function readerOf(messages: Received[], close: () => Promise<void>): Reader {
  return {
    messages,
    waitFor: (count, timeoutMs = 20_000) =>
      waitFor(
        () => (messages.length >= count ? messages : undefined),
        timeoutMs,
        `${count} messages (have ${messages.length})`,
      ),
    close,
  };
}

export async function natsKit(): Promise<BrokerKit> {
  const nc = await connect({ servers: '127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const subjects: string[] = [];
  const closers: Array<() => Promise<void>> = [];
  return {
    name: 'nats',
    source: 'nats://127.0.0.1:4222',
    names(label) {
      const base = `hftest.${runTag}.${label}${++counter}`;
      subjects.push(base);
      return { from: `${base}.in`, deadLetter: `${base}.dlq`, results: `${base}.results` };
    },
    async prepareSource(from) {
      await jsm.streams.add({
        name: streamName(from),
        subjects: [from],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        duplicate_window: nanos(100),
      });
    },
    async publish(subject, body, options = {}) {
      const h = natsHeaders();
      for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
      if (options.correlationId !== undefined) h.set('Correlation-Id', options.correlationId);
      const ack = await js.publish(subject, body, {
        headers: h,
        ...(options.id === undefined ? {} : { msgID: options.id }),
      });
      return !ack.duplicate;
    },
    async read(subject) {
      const stream = await jsm.streams.find(subject);
      const consumer = await js.consumers.get(stream);
      const iterator = await consumer.consume();
      const messages: Received[] = [];
      void (async () => {
        for await (const m of iterator) {
          if (m.subject !== subject) continue;
          const headers: Record<string, string> = {};
          for (const k of m.headers?.keys() ?? []) headers[k.toLowerCase()] = m.headers!.get(k);
          messages.push({ body: m.string(), headers, correlationId: headers['correlation-id'] });
        }
      })();
      const close = async () => {
        await iterator.close().catch(() => {});
      };
      closers.push(close);
      return readerOf(messages, close);
    },
    async backlog(from, consumer) {
      const stream = await jsm.streams.find(from);
      const info = await jsm.consumers.info(stream, consumer);
      return {
        waiting: info.num_pending,
        unacknowledged: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    },
    async close() {
      await Promise.all(closers.map((c) => c()));
      const streams = await jsm.streams.list().next();
      for (const s of streams) {
        if (s.config.subjects?.some((subject) => subjects.some((base) => subject.startsWith(base)))) {
          await jsm.streams.delete(s.config.name).catch(() => {});
        }
      }
      await nc.close();
    },
  };
}

export async function rabbitKit(): Promise<BrokerKit> {
  const source = 'amqp://guest:guest@127.0.0.1:5672';
  const connection = await amqp.connect(source);
  const channel = await connection.createConfirmChannel();
  const queues: string[] = [];
  const declare = async (queue: string) => {
    await channel.assertQueue(queue, { durable: true });
    if (!queues.includes(queue)) queues.push(queue);
  };
  return {
    name: 'rabbitmq',
    source,
    names(label) {
      const base = `hftest.${runTag}.${label}${++counter}`;
      const names = { from: `${base}.in`, deadLetter: `${base}.dlq`, results: `${base}.results` };
      queues.push(...Object.values(names));
      return names;
    },
    prepareSource: declare,
    async publish(queue, body, options = {}) {
      await new Promise<void>((resolve, reject) =>
        channel.sendToQueue(
          queue,
          Buffer.from(body),
          {
            persistent: true,
            messageId: options.id,
            correlationId: options.correlationId,
            headers: options.headers,
          },
          (error: unknown) => (error ? reject(error) : resolve()),
        ),
      );
      return true;
    },
    async read(queue) {
      await declare(queue);
      const messages: Received[] = [];
      const readChannel = await connection.createChannel();
      await readChannel.consume(queue, (m) => {
        if (!m) return;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(m.properties.headers ?? {})) headers[k.toLowerCase()] = String(v);
        messages.push({
          body: m.content.toString('utf8'),
          headers,
          correlationId:
            m.properties.correlationId === undefined ? undefined : String(m.properties.correlationId),
        });
        readChannel.ack(m);
      });
      return readerOf(messages, () => readChannel.close().catch(() => {}));
    },
    async backlog(from) {
      const check = await connection.createChannel();
      try {
        const { messageCount } = await check.checkQueue(from);
        return { waiting: messageCount, unacknowledged: 0, redelivered: 0 };
      } finally {
        await check.close().catch(() => {});
      }
    },
    async close() {
      for (const queue of queues) await channel.deleteQueue(queue).catch(() => {});
      await connection.close().catch(() => {});
    },
  };
}

function streamName(subject: string): string {
  return `HFTEST_${subject.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}`;
}
