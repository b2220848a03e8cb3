import type { BusMessage } from './bus-message.js';
import type { BrokerKind } from './bus-options.js';

/**
 * What the ingress needs from a broker, and nothing more: a Kafka adapter is one more class with
 * these methods (consume = a consumer group on the topic, ack = commit the offset once every
 * earlier offset of the partition is acknowledged, pause/resume = the consumer's pause/resume of
 * its partitions, publish = a producer with `acks: all`).
 *
 * Contract, for every adapter:
 * - at most `inflight` deliveries are handed over and not yet settled (acked or released), across
 *   all the adapter's consumers — the broker holds the rest;
 * - a delivery is settled at most once; settling one whose connection was lost does nothing (the
 *   broker delivers it again, and the idempotency key makes that harmless);
 * - `publish` resolves only once the broker has stored the message (JetStream PubAck, RabbitMQ
 *   publisher confirm), so a message is acknowledged only after its dead letter is safe;
 * - errors are HoldfastErrors: BUS_UNREACHABLE (retryable) or BUS_REFUSED.
 */
export interface BusAdapter {
  readonly broker: BrokerKind;
  /** The broker's URL without credentials. */
  readonly url: string;
  /** Connects (once). */
  connect(): Promise<void>;
  /** Makes sure `destination` exists to be published to (a stream capturing the subject, a durable queue). */
  prepareDestination(destination: string): Promise<void>;
  /** Starts delivering the messages of `spec.from` (creating its stream or queue if missing). */
  consume(spec: ConsumeSpec, deliver: (delivery: Delivery) => void): Promise<void>;
  /** Stops asking for messages; those in hand can still be settled. */
  pause(): void;
  /** Asks for messages again after pause(). */
  resume(): void;
  /** Publishes one message durably. */
  publish(destination: string, message: OutgoingMessage): Promise<void>;
  /** Whether the connection is up now. */
  readonly connected: boolean;
  /** Closes the connection: deliveries not settled go back to the broker. */
  close(): Promise<void>;
}

export interface ConsumeSpec {
  readonly from: string;
  /** NATS: durable consumer name; ignored by RabbitMQ. */
  readonly consumer: string;
}

/** A message handed over by the broker, to be settled once. */
export interface Delivery {
  readonly message: BusMessage;
  /**
   * The broker's own identity of the message, the default idempotency key: the producer's message
   * id, else (JetStream) `<stream>:<sequence>`; undefined when the broker has none (AMQP without
   * `message-id`).
   */
  readonly defaultKey: string | undefined;
  /** The job is committed, or the message was dead-lettered or recognised as a duplicate. */
  ack(): void;
  /** Gives the message back to the broker for delivery again (at stop, for messages not handled). */
  release(): void;
}

export interface OutgoingMessage {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** NATS: `Nats-Msg-Id` (JetStream drops a second publish with it); AMQP: `message-id`. */
  readonly id?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly contentType?: string | undefined;
}
