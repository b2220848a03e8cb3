import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './fault.js';

export type Headers = Record<string, string | number>;

/** How the response ended, for the request log. */
export type Ending = 'ok' | 'malformed' | 'stalled' | 'broken' | 'stream-error' | 'client-closed';

/**
 * Writes a response, applying the faults that damage a body: `malformed` (invalid JSON),
 * `stall` (half, then silence), `break` (half, then a dropped connection) and, for streams,
 * `stream-error` (half, then the provider's error event).
 */
export class ResponseWriter {
  #ending: Ending = 'ok';
  status = 0;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly fault: Fault | undefined,
    readonly chunkDelayMs: number,
  ) {}

  /** The connection is gone (the client gave up, or a fault dropped it). */
  get closed(): boolean {
    return this.res.destroyed;
  }

  get ending(): Ending {
    if (this.#ending === 'ok' && this.res.destroyed && !this.res.writableFinished) return 'client-closed';
    return this.#ending;
  }

  set ending(value: Ending) {
    this.#ending = value;
  }

  /** A JSON answer (success or error). */
  json(status: number, body: unknown, headers: Headers = {}): void {
    this.raw(status, JSON.stringify(body), headers);
  }

  /** A JSON answer already serialised. */
  raw(status: number, text: string, headers: Headers = {}): void {
    this.status = status;
    const kind = this.fault?.kind;
    if (status < 400 && (kind === 'malformed' || kind === 'stall' || kind === 'break')) {
      // Half the body: invalid JSON that the client must not take for an answer.
      const half = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
      this.res.writeHead(status, { 'content-type': 'application/json', ...headers });
      if (kind === 'malformed') {
        this.ending = 'malformed';
        this.res.end(half);
      } else if (kind === 'stall') {
        this.ending = 'stalled';
        this.res.write(half);
      } else {
        this.ending = 'broken';
        this.res.write(half, () => this.res.socket?.destroy());
      }
      return;
    }
    // Headers as a flat list: Node writes them with less work than an object.
    const flat: string[] = [
      'content-type',
      'application/json',
      'content-length',
      String(Buffer.byteLength(text)),
    ];
    for (const key in headers) flat.push(key, String(headers[key]));
    this.res.writeHead(status, flat);
    this.res.end(text);
  }

  /**
   * A server-sent event stream. `events` are complete SSE records ("event: x\ndata: …\n\n" or
   * "data: …\n\n"); `errorEvent` is what a `stream-error` fault sends half-way.
   * Returns the number of events actually sent.
   */
  async sse(
    status: number,
    headers: Headers,
    events: readonly string[],
    errorEvent?: string,
  ): Promise<number> {
    this.status = status;
    this.res.writeHead(status, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    const kind = this.fault?.kind;
    const damaged = kind === 'stall' || kind === 'break' || kind === 'stream-error' || kind === 'malformed';
    const cut = damaged ? Math.max(1, Math.floor(events.length / 2)) : events.length;
    let sent = 0;
    for (const event of events.slice(0, cut)) {
      if (this.closed) return sent;
      if (this.chunkDelayMs > 0 && sent > 0) await delay(this.chunkDelayMs);
      this.res.write(event);
      sent += 1;
    }
    if (this.closed) return sent;
    switch (damaged ? kind : undefined) {
      case 'stall':
        this.ending = 'stalled';
        return sent;
      case 'break':
        this.ending = 'broken';
        await new Promise<void>((resolve) => this.res.write('', () => resolve()));
        this.res.socket?.destroy();
        return sent;
      case 'stream-error':
        this.ending = 'stream-error';
        this.res.end(errorEvent ?? 'data: {"error":{"message":"stream error"}}\n\n');
        return sent;
      case 'malformed':
        this.ending = 'malformed';
        this.res.end('data: {"id": "broken", "choices": [\n\n');
        return sent;
      default:
        this.res.end();
        return sent;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
