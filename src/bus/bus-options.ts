import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';
import type { BusMessage, BusSubmission } from './bus-message.js';

/**
 * The `bus` option: where jobs come from when they arrive on a message broker.
 *
 * ```ts
 * bus: {
 *   source: 'nats://127.0.0.1:4222',   // or 'amqp://guest:guest@127.0.0.1:5672'
 *   routes: [{ from: 'orders.analyse', pipeline: 'analyse-document',
 *              deadLetter: 'orders.analyse.dlq', results: 'orders.analyse.results' }],
 *   inflight: 100,
 * }
 * ```
 */
export interface BusOptions {
  /**
   * The broker: `nats://[user:pass@]host:4222` (NATS with JetStream) or
   * `amqp://user:pass@host:5672[/vhost]` / `amqps://…` (RabbitMQ).
   */
  readonly source: string;
  readonly routes: readonly BusRouteOptions[];
  /**
   * Messages delivered and not yet acknowledged, at most, across all routes (default 100). When
   * that many are in hand the broker delivers no more until some are acknowledged.
   */
  readonly inflight?: number;
  /**
   * Messages submitted in one database transaction, at most (default 100). Under load, messages
   * that arrive while a transaction commits are grouped into the next one.
   */
  readonly batchSize?: number;
  /**
   * NATS only: how long JetStream waits for an acknowledgement before it delivers a message again
   * (default 30 s). A message Holdfast still holds (the database is away) is kept alive, so this only
   * decides how soon the messages of a process that died are delivered to another one.
   */
  readonly ackWait?: Duration;
}

export interface BusRouteOptions {
  /** A NATS subject (a JetStream stream is created for it if none captures it) or an AMQP queue (declared durable if missing). */
  readonly from: string;
  /** The pipeline each message becomes a job of (its name). */
  readonly pipeline: string | { readonly name: string };
  /**
   * Turns a message into a submission. Default: the JSON body is the input, the message id is the
   * idempotency key (`Nats-Msg-Id`, else the JetStream stream and sequence; the AMQP `message-id`),
   * the tenant comes from a `tenant` header. Fields it leaves out keep those defaults. A throw sends
   * the message to `deadLetter` with VALIDATION_ERROR.
   */
  readonly map?: (message: BusMessage) => BusSubmission | Promise<BusSubmission>;
  /** Where refused messages go (bad JSON, schema failure, budget refusal), with the coded error. */
  readonly deadLetter: string;
  /** Where each job's outcome is published, with the message's correlation id (optional). */
  readonly results?: string;
  /** NATS only: the durable consumer's name (default `holdfast-<from>` with '.' as '-'). */
  readonly consumer?: string;
}

export type BrokerKind = 'nats' | 'rabbitmq';

export interface ResolvedRoute {
  readonly from: string;
  readonly pipeline: string;
  readonly map: BusRouteOptions['map'];
  readonly deadLetter: string;
  readonly results: string | undefined;
  readonly consumer: string;
}

export interface ResolvedBusOptions {
  readonly broker: BrokerKind;
  /** The URL as given, credentials included: only the adapter sees it. */
  readonly url: string;
  /** The URL without credentials, for logs and errors. */
  readonly safeUrl: string;
  readonly routes: readonly ResolvedRoute[];
  readonly inflight: number;
  readonly batchSize: number;
  readonly ackWaitMs: number;
}

export const busDefaults = { inflight: 100, batchSize: 100, ackWaitMs: 30_000 } as const;

/** Subject / queue names: no spaces, no NATS wildcards (a route consumes one subject). */
const destinationPattern = /^[A-Za-z0-9_\-.:/@]{1,255}$/;

/**
 * Checks the `bus` option once, at start: a bad value throws CONFIG_INVALID naming it (in English
 * and French), before any connection is opened. `pipelines` are the names the instance knows.
 */
export function resolveBusOptions(options: BusOptions, pipelines: ReadonlySet<string>): ResolvedBusOptions {
  if (typeof options !== 'object' || options === null) {
    throw configError(
      'bus',
      ['must be an object with source and routes', 'doit être un objet avec source et routes'],
      options,
    );
  }
  const { broker, safeUrl } = parseSource(options.source);
  const inflight = integerOption('bus.inflight', options.inflight, busDefaults.inflight, 1, 10_000);
  const batchSize = integerOption('bus.batchSize', options.batchSize, busDefaults.batchSize, 1, 1_000);
  let ackWaitMs: number = busDefaults.ackWaitMs;
  if (options.ackWait !== undefined) {
    try {
      ackWaitMs = parseDuration(options.ackWait, 'bus.ackWait');
    } catch {
      throw configError(
        'bus.ackWait',
        ["must be a duration such as '30s'", "doit être une durée comme '30s'"],
        options.ackWait,
      );
    }
    if (ackWaitMs < 1000) {
      throw configError('bus.ackWait', ['must be at least 1 s', 'doit valoir au moins 1 s'], options.ackWait);
    }
  }
  if (!Array.isArray(options.routes) || options.routes.length === 0) {
    throw configError(
      'bus.routes',
      ['must list at least one route', 'doit contenir au moins une route'],
      options.routes,
    );
  }
  const seen = new Set<string>();
  const routes = options.routes.map((route, index) => {
    const resolved = resolveRoute(route, index, pipelines);
    if (seen.has(resolved.from)) {
      throw configError(
        `bus.routes[${index}].from`,
        ['is consumed by another route already', 'est déjà consommé par une autre route'],
        resolved.from,
      );
    }
    seen.add(resolved.from);
    return resolved;
  });
  return { broker, url: options.source, safeUrl, routes, inflight, batchSize, ackWaitMs };
}

function resolveRoute(route: BusRouteOptions, index: number, pipelines: ReadonlySet<string>): ResolvedRoute {
  const at = `bus.routes[${index}]`;
  if (typeof route !== 'object' || route === null) {
    throw configError(
      at,
      [
        'must be an object { from, pipeline, deadLetter }',
        'doit être un objet { from, pipeline, deadLetter }',
      ],
      route,
    );
  }
  const from = destination(`${at}.from`, route.from);
  const pipeline = typeof route.pipeline === 'string' ? route.pipeline : route.pipeline?.name;
  if (typeof pipeline !== 'string' || !pipelines.has(pipeline)) {
    const known = [...pipelines].join(', ') || '(none)';
    throw configError(
      `${at}.pipeline`,
      [
        `must name a pipeline of this instance (${known})`,
        `doit nommer un pipeline de cette instance (${known})`,
      ],
      pipeline ?? route.pipeline,
    );
  }
  if (route.map !== undefined && typeof route.map !== 'function') {
    throw configError(
      `${at}.map`,
      [
        'must be a function (message) => ({ input, … })',
        'doit être une fonction (message) => ({ input, … })',
      ],
      route.map,
    );
  }
  if (route.deadLetter === undefined) {
    throw configError(`${at}.deadLetter`, [
      'is required: refused messages go there with their error instead of being redelivered forever',
      "est obligatoire : les messages refusés y vont avec leur erreur au lieu d'être redistribués sans fin",
    ]);
  }
  const deadLetter = destination(`${at}.deadLetter`, route.deadLetter);
  const results = route.results === undefined ? undefined : destination(`${at}.results`, route.results);
  for (const [name, value] of [
    ['deadLetter', deadLetter],
    ['results', results],
  ] as const) {
    if (value === from) {
      throw configError(`${at}.${name}`, ['must differ from `from`', 'doit être différent de `from`'], value);
    }
  }
  const consumer = route.consumer ?? `holdfast-${from.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(consumer)) {
    throw configError(
      `${at}.consumer`,
      ["must be 1–200 letters, digits, '_' or '-'", "doit compter 1 à 200 lettres, chiffres, '_' ou '-'"],
      consumer,
    );
  }
  return { from, pipeline, map: route.map, deadLetter, results, consumer };
}

function destination(option: string, value: unknown): string {
  if (typeof value !== 'string' || !destinationPattern.test(value)) {
    throw configError(
      option,
      [
        "must be a subject or queue name: 1–255 letters, digits and '_-.:/@', no spaces or wildcards",
        "doit être un nom de sujet ou de file : 1 à 255 lettres, chiffres et '_-.:/@', sans espace ni joker",
      ],
      value,
    );
  }
  return value;
}

function integerOption(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(
      option,
      [
        `must be an integer from ${min} to ${max}`,
        `doit être un entier de ${min} à ${max.toLocaleString('fr-FR')}`,
      ],
      value,
    );
  }
  return value;
}

function parseSource(source: unknown): { broker: BrokerKind; safeUrl: string } {
  const problem = [
    "must be a broker URL: 'nats://host:4222' or 'amqp://user:password@host:5672'",
    "doit être l'URL d'un broker : 'nats://hôte:4222' ou 'amqp://utilisateur:motdepasse@hôte:5672'",
  ] as const;
  if (typeof source !== 'string') throw configError('bus.source', problem, source);
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw configError('bus.source', problem, redact(source));
  }
  const broker: BrokerKind | undefined =
    url.protocol === 'nats:'
      ? 'nats'
      : url.protocol === 'amqp:' || url.protocol === 'amqps:'
        ? 'rabbitmq'
        : undefined;
  if (broker === undefined || url.hostname === '') throw configError('bus.source', problem, redact(source));
  url.username = '';
  url.password = '';
  return { broker, safeUrl: url.toString().replace(/\/$/, '') };
}

/** A source that is not even a URL may still hold a password: keep only its scheme and host part. */
function redact(source: string): string {
  return source.replace(/\/\/[^@/]*@/, '//…@');
}
