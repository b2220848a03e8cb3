import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos, headers as natsHeaders } from '@nats-io/transport-node';
import { holdfastError } from '../errors/holdfast-error.js';
import type { Logger } from '../runtime/logger.js';
import { sleep } from '../time/sleep.js';
import { brokerError } from './broker-error.js';
import type { BusAdapter, ConsumeSpec, Delivery, OutgoingMessage } from './bus-adapter.js';
import { busMessage } from './bus-message.js';
import { Credit } from './credit.js';
import { reconnectDelay } from './reconnect-delay.js';

export interface NatsAdapterOptions {
  /** `nats://[user:pass@]host:port` */
  readonly url: string;
  readonly safeUrl: string;
  readonly inflight: number;
  readonly ackWaitMs: number;
  readonly logger: Logger;
}

/** How long one pull request waits for messages before the next is sent. */
const pullExpiresMs = 5_000;

/**
 * NATS JetStream: each route is a durable pull consumer on the stream that captures its subject
 * (a work-queue stream is created when none does). Pulls ask for no more messages than the shared
 * `inflight` credit allows, and the consumer's `max_ack_pending` bounds the same on the server.
 * Messages held while the database is away are kept alive with `working()`, so JetStream does not
 * deliver them again meanwhile.
 */
export class NatsAdapter implements BusAdapter {
  readonly broker = 'nats' as const;
  readonly url: string;
  readonly #options: NatsAdapterOptions;
  readonly #credit: Credit;
  readonly #stop = new AbortController();
  readonly #fetches = new Set<ConsumerMessages>();
  readonly #outstanding = new Set<JsMsg>();
  readonly #loops: Promise<void>[] = [];
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  #connected = false;
  #paused = false;
  readonly #resumeWaiters = new Set<() => void>();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(options: NatsAdapterOptions) {
    this.#options = options;
    this.url = options.safeUrl;
    this.#credit = new Credit(options.inflight);
  }

  get connected(): boolean {
    return this.#connected;
  }

  async connect(): Promise<void> {
    const url = new URL(this.#options.url);
    try {
      this.#nc = await connect({
        servers: `${url.hostname}:${url.port || '4222'}`,
        user: url.username ? decodeURIComponent(url.username) : undefined,
        pass: url.password ? decodeURIComponent(url.password) : undefined,
        name: 'holdfast-bus',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw brokerError('nats', this.url, 'connect', error);
    }
    this.#connected = true;
    void this.#watchStatus(this.#nc);
    try {
      this.#jsm = await jetstreamManager(this.#nc);
    } catch (error) {
      await this.#nc.close().catch(() => {});
      throw holdfastError('BUS_REFUSED', {
        broker: 'nats',
        url: this.url,
        operation: 'use JetStream',
        brokerMessage: `${(error as Error).message} (start nats-server with -js)`,
      });
    }
    this.#js = jetstream(this.#nc);
    this.#keepAlive = setInterval(
      () => {
        for (const message of this.#outstanding) message.working();
      },
      Math.max(500, Math.floor(this.#options.ackWaitMs / 3)),
    );
    this.#keepAlive.unref();
  }

  async prepareDestination(subject: string): Promise<void> {
    await this.#streamFor(subject, RetentionPolicy.Limits);
  }

  async consume(spec: ConsumeSpec, deliver: (delivery: Delivery) => void): Promise<void> {
    const jsm = this.#jsm!;
    const stream = await this.#streamFor(spec.from, RetentionPolicy.Workqueue);
    const wanted = {
      ack_wait: nanos(this.#options.ackWaitMs),
      max_ack_pending: this.#options.inflight,
    };
    try {
      let exists = true;
      try {
        await jsm.consumers.info(stream, spec.consumer);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        exists = false;
      }
      if (exists) await jsm.consumers.update(stream, spec.consumer, wanted);
      else {
        await jsm.consumers.add(stream, {
          ...wanted,
          durable_name: spec.consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: spec.from,
          max_deliver: -1,
        });
      }
    } catch (error) {
      throw brokerError('nats', this.url, 'create consumer', error, `${stream}/${spec.consumer}`);
    }
    const consumer = await this.#js!.consumers.get(stream, spec.consumer);
    this.#loops.push(this.#pull(consumer, stream, spec.from, deliver));
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const wake of this.#resumeWaiters) wake();
    this.#resumeWaiters.clear();
  }

  async publish(subject: string, message: OutgoingMessage): Promise<void> {
    const h = natsHeaders();
    for (const [name, value] of Object.entries(message.headers)) h.set(name, headerValue(value));
    if (message.correlationId !== undefined) h.set('Correlation-Id', headerValue(message.correlationId));
    if (message.contentType !== undefined) h.set('Content-Type', message.contentType);
    try {
      await this.#js!.publish(subject, message.body, {
        headers: h,
        ...(message.id === undefined ? {} : { msgID: message.id }),
        timeout: 5_000,
      });
    } catch (error) {
      throw brokerError('nats', this.url, 'publish', error, subject);
    }
  }

  async close(): Promise<void> {
    this.#stop.abort(new Error('bus adapter closed'));
    this.resume();
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    await Promise.all([...this.#fetches].map((f) => f.close().catch(() => {})));
    await Promise.all(this.#loops);
    const nc = this.#nc;
    this.#nc = undefined;
    if (nc && !nc.isClosed()) {
      // Acknowledgements are buffered publishes: flush them before the socket goes.
      await nc.flush().catch(() => {});
      await nc.close().catch(() => {});
    }
    this.#connected = false;
  }

  /** The stream that captures `subject`, created (file storage) when there is none. */
  async #streamFor(subject: string, retention: RetentionPolicy): Promise<string> {
    const jsm = this.#jsm!;
    const name = `HOLDFAST_${subject.replace(/[^A-Za-z0-9_-]/g, '_').toUpperCase()}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return await jsm.streams.find(subject);
      } catch (error) {
        if (!isNotFound(error) && !/no stream matches/i.test(String((error as Error).message))) {
          throw brokerError('nats', this.url, 'find stream', error, subject);
        }
      }
      try {
        await jsm.streams.add({ name, subjects: [subject], retention, storage: StorageType.File });
        return name;
      } catch (error) {
        // Another process may have created it between the two calls: look again, once.
        if (attempt > 0) throw brokerError('nats', this.url, 'create stream', error, name);
      }
    }
  }

  /** One route's pull loop: ask for what the credit allows, hand messages over, repeat. */
  async #pull(
    consumer: Consumer,
    stream: string,
    subject: string,
    deliver: (delivery: Delivery) => void,
  ): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      if (this.#paused) {
        await new Promise<void>((resolve) => this.#resumeWaiters.add(resolve));
        continue;
      }
      let wanted: number;
      try {
        wanted = await this.#credit.take(this.#options.inflight, signal);
      } catch {
        return;
      }
      if (this.#paused) {
        this.#credit.give(wanted);
        continue;
      }
      let received = 0;
      let batch: ConsumerMessages | undefined;
      try {
        batch = await consumer.fetch({ max_messages: wanted, expires: pullExpiresMs });
        this.#fetches.add(batch);
        for await (const message of batch) {
          received += 1;
          deliver(this.#delivery(message, stream, subject));
        }
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        failures += 1;
        this.#options.logger.warn(
          { err: error, subject, failures },
          'bus: could not pull messages from NATS; trying again',
        );
        await sleep(reconnectDelay(failures), { signal }).catch(() => {});
      } finally {
        if (batch) this.#fetches.delete(batch);
        this.#credit.give(wanted - received);
      }
    }
  }

  #delivery(message: JsMsg, stream: string, subject: string): Delivery {
    this.#outstanding.add(message);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.#outstanding.delete(message);
      this.#credit.give(1);
      return true;
    };
    const headers: Record<string, string> = {};
    if (message.headers) {
      for (const name of message.headers.keys()) headers[name.toLowerCase()] = message.headers.get(name);
    }
    const id = headers['nats-msg-id'] || undefined;
    return {
      message: busMessage({
        source: subject,
        id,
        correlationId: headers['correlation-id'] || undefined,
        sequence: message.seq,
        headers,
        body: message.data,
        redelivered: message.redelivered,
      }),
      defaultKey: id ?? `${stream}:${message.seq}`,
      ack: () => {
        if (settle()) message.ack();
      },
      release: () => {
        if (settle()) message.nak();
      },
    };
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.#connected = false;
        this.#options.logger.warn({ url: this.url }, 'bus: lost the connection to NATS; reconnecting');
      } else if (status.type === 'reconnect') {
        this.#connected = true;
        this.#options.logger.warn({ url: this.url }, 'bus: connected to NATS again');
      }
    }
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 10014 || code === 10059 || (error as Error)?.name === 'ConsumerNotFoundError';
}

/** NATS header values are one line. */
function headerValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}
