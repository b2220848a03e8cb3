import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from 'amqplib';
import { holdfastError } from '../errors/holdfast-error.js';
import type { Logger } from '../runtime/logger.js';
import { brokerError } from './broker-error.js';
import type { BusAdapter, ConsumeSpec, Delivery, OutgoingMessage } from './bus-adapter.js';
import { busMessage } from './bus-message.js';
import { reconnectDelay } from './reconnect-delay.js';

export interface AmqpAdapterOptions {
  /** `amqp://user:pass@host:port[/vhost]` */
  readonly url: string;
  readonly safeUrl: string;
  readonly inflight: number;
  /** How many routes will consume: each consumer's prefetch is its share of `inflight`. */
  readonly routes: number;
  readonly logger: Logger;
}

/** A publisher confirm that has not come back in this time is treated as a lost connection. */
const confirmTimeoutMs = 10_000;

interface Route {
  readonly spec: ConsumeSpec;
  readonly deliver: (delivery: Delivery) => void;
  tag: string | undefined;
}

/**
 * RabbitMQ (AMQP 0-9-1): each route is a consumer with manual acks on one channel; each consumer's
 * prefetch is its share of `inflight`, so RabbitMQ never has more unacknowledged messages out than
 * that. Pausing cancels the consumers (messages in hand can still be acked); resuming consumes
 * again. amqplib's recovery reconnects after a lost connection; messages that were in hand then
 * are delivered again by RabbitMQ, and their idempotency keys make that harmless.
 */
export class AmqpAdapter implements BusAdapter {
  readonly broker = 'rabbitmq' as const;
  readonly url: string;
  readonly #options: AmqpAdapterOptions;
  readonly #routes: Route[] = [];
  #connection: RecoveringChannelModel | undefined;
  #consumeChannel: Channel | undefined;
  #publishChannel: ConfirmChannel | undefined;
  #connected = false;
  #paused = false;
  #closed = false;
  /** Consumer starts and cancels run one after another. */
  #control: Promise<void> = Promise.resolve();

  constructor(options: AmqpAdapterOptions) {
    this.#options = options;
    this.url = options.safeUrl;
  }

  get connected(): boolean {
    return this.#connected;
  }

  async connect(): Promise<void> {
    try {
      this.#connection = await amqp.connect(this.#options.url, {
        clientProperties: { connection_name: 'holdfast-bus' },
        recovery: {
          // Fail fast at start (a wrong URL should stop the process), never give up afterwards.
          initialMaxRetries: 0,
          maxRetries: Number.POSITIVE_INFINITY,
          calculateDelay: (attempt) => reconnectDelay(attempt),
          setup: (model: ChannelModel) => this.#setUp(model),
        },
      });
    } catch (error) {
      throw brokerError('rabbitmq', this.url, 'connect', error);
    }
    const connection = this.#connection;
    connection.on('error', (error: Error) =>
      this.#options.logger.warn({ err: error, url: this.url }, 'bus: RabbitMQ connection error'),
    );
    connection.on('disconnect', (error: Error) => {
      this.#connected = false;
      this.#consumeChannel = undefined;
      this.#publishChannel = undefined;
      if (!this.#closed) {
        this.#options.logger.warn(
          { err: error, url: this.url },
          'bus: lost the connection to RabbitMQ; reconnecting (messages in hand will be delivered again)',
        );
      }
    });
    connection.on('connect', () => {
      if (!this.#connected && !this.#closed) {
        this.#options.logger.warn({ url: this.url }, 'bus: connected to RabbitMQ again');
      }
    });
  }

  async prepareDestination(queue: string): Promise<void> {
    await this.#ensureQueue(queue);
  }

  async consume(spec: ConsumeSpec, deliver: (delivery: Delivery) => void): Promise<void> {
    await this.#ensureQueue(spec.from);
    const route: Route = { spec, deliver, tag: undefined };
    this.#routes.push(route);
    if (!this.#paused) await this.#serialise(() => this.#startConsumer(route));
  }

  pause(): void {
    this.#paused = true;
    void this.#serialise(async () => {
      const channel = this.#consumeChannel;
      for (const route of this.#routes) {
        const tag = route.tag;
        route.tag = undefined;
        if (tag && channel) await channel.cancel(tag).catch(() => {});
      }
    });
  }

  resume(): void {
    this.#paused = false;
    void this.#serialise(async () => {
      for (const route of this.#routes) await this.#startConsumer(route);
    });
  }

  async publish(queue: string, message: OutgoingMessage): Promise<void> {
    const channel = this.#publishChannel;
    if (!channel || !this.#connected) {
      throw holdfastError('BUS_UNREACHABLE', {
        broker: 'rabbitmq',
        url: this.url,
        reason: 'not connected (reconnecting)',
      });
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`publisher confirm timeout after ${confirmTimeoutMs} ms`)),
          confirmTimeoutMs,
        );
        channel.sendToQueue(
          queue,
          Buffer.from(message.body),
          {
            persistent: true,
            headers: message.headers,
            messageId: message.id,
            correlationId: message.correlationId,
            contentType: message.contentType,
          },
          (error: unknown) => {
            clearTimeout(timer);
            if (error) reject(error instanceof Error ? error : new Error(String(error)));
            else resolve();
          },
        );
      });
    } catch (error) {
      throw brokerError('rabbitmq', this.url, 'publish', error, queue);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#control.catch(() => {});
    await this.#connection?.close().catch(() => {});
    this.#connected = false;
  }

  /** After each (re)connection: channels, prefetch, and the routes' consumers again. */
  async #setUp(model: ChannelModel): Promise<void> {
    const consumeChannel = await model.createChannel();
    const share = Math.max(1, Math.floor(this.#options.inflight / Math.max(1, this.#options.routes)));
    await consumeChannel.prefetch(share, false);
    const publishChannel = await model.createConfirmChannel();
    for (const channel of [consumeChannel, publishChannel]) {
      channel.on('error', (error: Error) =>
        this.#options.logger.warn({ err: error, url: this.url }, 'bus: RabbitMQ channel error'),
      );
    }
    this.#consumeChannel = consumeChannel;
    this.#publishChannel = publishChannel;
    this.#connected = true;
    for (const route of this.#routes) route.tag = undefined;
    if (!this.#paused) {
      await this.#serialise(async () => {
        for (const route of this.#routes) await this.#startConsumer(route);
      });
    }
  }

  async #startConsumer(route: Route): Promise<void> {
    const channel = this.#consumeChannel;
    if (this.#paused || this.#closed || route.tag !== undefined || !channel) return;
    try {
      const { consumerTag } = await channel.consume(
        route.spec.from,
        (message) => {
          if (message === null) {
            route.tag = undefined;
            this.#options.logger.warn(
              { queue: route.spec.from },
              'bus: RabbitMQ cancelled the consumer (was the queue deleted?)',
            );
            return;
          }
          route.deliver(this.#delivery(channel, message, route.spec.from));
        },
        { noAck: false },
      );
      route.tag = consumerTag;
    } catch (error) {
      this.#options.logger.warn(
        { err: error, queue: route.spec.from },
        'bus: could not consume from RabbitMQ; will again after reconnecting',
      );
    }
  }

  #delivery(channel: Channel, message: ConsumeMessage, queue: string): Delivery {
    const { properties, fields } = message;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(properties.headers ?? {})) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = Buffer.isBuffer(value)
        ? value.toString('utf8')
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    }
    const id = properties.messageId === undefined ? undefined : String(properties.messageId);
    const correlationId =
      properties.correlationId === undefined ? headers['correlation-id'] : String(properties.correlationId);
    let settled = false;
    // A delivery belongs to its channel: once that channel is gone, RabbitMQ delivers the message
    // again and settling it here would be refused, so it is skipped.
    const settle = (how: (c: Channel) => void) => {
      if (settled) return;
      settled = true;
      if (channel !== this.#consumeChannel) return;
      try {
        how(channel);
      } catch {
        // The channel closed in between: the message will come again.
      }
    };
    return {
      message: busMessage({
        source: queue,
        id,
        correlationId,
        sequence: undefined,
        headers,
        body: message.content,
        redelivered: fields.redelivered,
      }),
      defaultKey: id,
      ack: () => settle((c) => c.ack(message)),
      release: () => settle((c) => c.nack(message, false, true)),
    };
  }

  /** Declares `queue` durable if it does not exist; an existing one is used as it is. */
  async #ensureQueue(queue: string): Promise<void> {
    const connection = this.#connection!;
    const scratch = async <T>(fn: (channel: Channel) => Promise<T>): Promise<T> => {
      const channel = await connection.createChannel();
      // A failed check closes the channel with an error event: expected here.
      channel.on('error', () => {});
      try {
        return await fn(channel);
      } finally {
        await channel.close().catch(() => {});
      }
    };
    try {
      await scratch((channel) => channel.checkQueue(queue));
    } catch (error) {
      if ((error as { code?: unknown }).code !== 404) {
        throw brokerError('rabbitmq', this.url, 'declare queue', error, queue);
      }
      try {
        await scratch((channel) => channel.assertQueue(queue, { durable: true }));
      } catch (declareError) {
        throw brokerError('rabbitmq', this.url, 'declare queue', declareError, queue);
      }
    }
  }

  #serialise(fn: () => Promise<void>): Promise<void> {
    const next = this.#control.then(fn, fn);
    this.#control = next.catch(() => {});
    return next;
  }
}
