import type { WebSocket } from 'ws';
import { z } from 'zod';
import { type HoldfastError, holdfastError, isHoldfastError } from '../../errors/holdfast-error.js';
import type { Locale } from '../../errors/recommendations.js';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { Job } from '../../runtime/job.js';
import { terminalStates } from '../../runtime/job.js';
import type { Sql } from '../../store/store.js';
import type { Principal } from '../auth/principal.js';
import { errorReply } from '../http/error-reply.js';
import { GlobalFeed, type GlobalFilter } from './global-feed.js';
import { JobFeed } from './job-feed.js';
import type { LiveHub, LiveStream } from './live-hub.js';
import type { SharedReplay } from './shared-replay.js';

const subscriptionId = z.string().min(1).max(100);
const eventType = z.string().regex(/^[a-z][a-z-]*:(\*|[a-z][a-z-]*)$/);

/** What a WebSocket client may send. */
export const wsClientMessage = z.union([
  z
    .object({
      type: z.literal('subscribe'),
      id: subscriptionId,
      jobId: z
        .string()
        .min(1)
        .max(36)
        .describe('A job id or unique prefix: that job’s events, replayed after `after`'),
      after: z.number().int().min(0).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('subscribe'),
      id: subscriptionId,
      types: z.array(eventType).max(50).optional(),
      pipeline: z.string().min(1).max(100).optional(),
      tenant: z.string().min(1).max(128).optional(),
    })
    .strict(),
  z.object({ type: z.literal('unsubscribe'), id: subscriptionId }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);

const maxSubscriptions = 100;
const maxBufferedBytes = 4 * 1024 * 1024;

export interface WsSessionOptions {
  readonly socket: WebSocket;
  readonly principal: Principal;
  readonly locale: Locale;
  readonly hub: LiveHub;
  readonly sql: Sql;
  readonly replay: SharedReplay;
  readonly findJob: (idOrPrefix: string) => Promise<Job>;
  readonly jobState: (id: string) => Promise<Job['state']>;
  readonly pipelineOf: (jobId: string) => Promise<string | undefined>;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

/**
 * One WebSocket client: any number of subscriptions, each a job (exactly once, in order, like the
 * SSE stream) or a filter over everything the principal may see. Messages are JSON:
 * `{type: 'event', subscription, event}`, `{type: 'end', subscription}` after a job's terminal
 * event, `{type: 'error', id?, error}`, and `{type: 'closing'}` before the server shuts down.
 */
export class WsSession implements LiveStream {
  readonly #o: WsSessionOptions;
  readonly #feeds = new Map<string, { stop(): void }>();
  #untrack: (() => void) | undefined;
  #closed = false;

  constructor(options: WsSessionOptions) {
    this.#o = options;
  }

  start(): void {
    const { socket, hub } = this.#o;
    this.#untrack = hub.track(this);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#error(invalid('', 'send JSON text messages'));
      this.#receive(data.toString()).catch((error: unknown) => this.#o.onError(error));
    });
    socket.on('close', () => this.#finish());
    socket.on('error', () => this.#finish());
  }

  heartbeat(): void {
    if (!this.#closed) this.#o.socket.ping();
  }

  close(reason: 'shutdown'): void {
    if (this.#closed) return;
    this.#send({ type: 'closing', reason });
    this.#o.socket.close(1001, 'server shutting down');
    this.#finish();
  }

  async #receive(text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.#error(invalid('', 'is not valid JSON'));
    }
    const parsed = wsClientMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.#error(invalid(issue?.path.join('.') ?? '', issue?.message ?? 'invalid message'));
    }
    const message = parsed.data;
    try {
      switch (message.type) {
        case 'ping':
          return this.#send({ type: 'pong' });
        case 'unsubscribe':
          this.#feeds.get(message.id)?.stop();
          this.#feeds.delete(message.id);
          return this.#send({ type: 'unsubscribed', id: message.id });
        case 'subscribe':
          if (this.#feeds.has(message.id)) {
            throw holdfastError('CONFLICT', {
              kind: 'subscription',
              id: message.id,
              state: 'already subscribed',
            });
          }
          if (this.#feeds.size >= maxSubscriptions)
            throw invalid('id', `at most ${maxSubscriptions} subscriptions per connection`);
          if ('jobId' in message) return await this.#followJob(message.id, message.jobId, message.after ?? 0);
          return await this.#followAll(message.id, message);
        default: {
          const never: never = message;
          return never;
        }
      }
    } catch (error) {
      this.#error(
        isHoldfastError(error) ? error : holdfastError('INTERNAL', { reason: 'subscription failed' }),
        'id' in message ? message.id : undefined,
      );
    }
  }

  async #followJob(id: string, jobIdOrPrefix: string, after: number): Promise<void> {
    const job = await this.#o.findJob(jobIdOrPrefix);
    const feed = new JobFeed({
      hub: this.#o.hub,
      replay: this.#o.replay,
      jobId: job.id,
      afterSeq: after,
      sink: {
        event: (event) => this.#event(id, event),
        end: () => {
          this.#feeds.delete(id);
          this.#send({ type: 'end', subscription: id, reason: 'terminal' });
        },
      },
      isTerminal: async () => terminalStates.includes(await this.#o.jobState(job.id)),
      onError: this.#o.onError,
    });
    this.#feeds.set(id, feed);
    this.#send({ type: 'subscribed', id, jobId: job.id });
    await feed.start();
  }

  async #followAll(id: string, filter: GlobalFilter): Promise<void> {
    const { principal } = this.#o;
    if (principal.kind === 'job') {
      throw holdfastError('FORBIDDEN', { action: 'GET /v1/ws {"type":"subscribe","types":…}', role: 'job' });
    }
    const feed = new GlobalFeed({
      hub: this.#o.hub,
      sql: this.#o.sql,
      principal,
      filter: {
        types: filter.types,
        pipeline: filter.pipeline,
        tenant: principal.kind === 'admin' ? filter.tenant : undefined,
      },
      send: (event) => this.#event(id, event),
      pipelineOf: this.#o.pipelineOf,
      onError: this.#o.onError,
    });
    this.#feeds.set(id, feed);
    this.#send({ type: 'subscribed', id });
    await feed.start();
  }

  #event(subscription: string, event: AnyHoldfastEvent): void {
    this.#send({ type: 'event', subscription, event });
  }

  #error(error: HoldfastError, id?: string): void {
    this.#send({
      type: 'error',
      ...(id === undefined ? {} : { id }),
      error: errorReply(error, this.#o.locale, this.#o.now()).body.error,
    });
  }

  #send(message: unknown): void {
    const { socket } = this.#o;
    if (this.#closed || socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      // A client that does not read is cut off; it resubscribes with `after` and misses nothing.
      socket.terminate();
      this.#finish();
      return;
    }
    socket.send(JSON.stringify(message));
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const feed of this.#feeds.values()) feed.stop();
    this.#feeds.clear();
    this.#untrack?.();
  }
}

function invalid(field: string, message: string): HoldfastError {
  return holdfastError('VALIDATION_ERROR', {
    field: field ? `message.${field}` : 'message',
    issues: [{ path: field ? `message.${field}` : 'message', message }],
    subject: 'WebSocket message',
  });
}
