/**
 * A message as a route's `map` sees it, the same for every broker. Header names are lower-case.
 */
export interface BusMessage {
  /** The NATS subject or AMQP queue it came from. */
  readonly source: string;
  /** The producer's message id: `Nats-Msg-Id`, or the AMQP `message-id` property. */
  readonly id: string | undefined;
  /** The AMQP `correlation-id` property, or a `correlation-id` header. */
  readonly correlationId: string | undefined;
  /** JetStream only: the message's sequence in its stream. */
  readonly sequence: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
  /** The broker says it delivered this message before (to this consumer or another). */
  readonly redelivered: boolean;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON; throws on invalid JSON (the message then goes to `deadLetter`). */
  json(): unknown;
}

/** What a message becomes: a job's input and its submit options. */
export interface BusSubmission {
  readonly input: unknown;
  /** Default: the `tenant` header. */
  readonly tenant?: string | undefined;
  /** Default: the message id (see BusRouteOptions.map). */
  readonly idempotencyKey?: string | undefined;
  /** Carried into the outcome published on `results`. Default: the message's, else the idempotency key. */
  readonly correlationId?: string | undefined;
  readonly runAt?: Date | number | string | undefined;
}

/** Builds the message view from what an adapter read off the wire. */
export function busMessage(fields: {
  source: string;
  id: string | undefined;
  correlationId: string | undefined;
  sequence: number | undefined;
  headers: Record<string, string>;
  body: Uint8Array;
  redelivered: boolean;
}): BusMessage {
  let text: string | undefined;
  const decode = () => {
    text ??= new TextDecoder('utf-8', { fatal: false }).decode(fields.body);
    return text;
  };
  return {
    ...fields,
    text: decode,
    json: () => JSON.parse(decode()) as unknown,
  };
}
