import type { ServerResponse } from 'node:http';
import type { AnyHoldfastEvent } from '../../events/event-map.js';
import type { LiveStream } from './live-hub.js';

/**
 * A slow reader is cut off rather than buffered without end: it reconnects with Last-Event-ID
 * and the timeline gives it what it missed.
 */
const maxBufferedBytes = 4 * 1024 * 1024;

/** Tells browsers' EventSource how long to wait before reconnecting. */
const reconnectMs = 1000;

const jobFrames = new WeakMap<AnyHoldfastEvent, Buffer>();
const globalFrames = new WeakMap<AnyHoldfastEvent, Buffer>();

/**
 * An event as an SSE frame: `id:` is the job's seq on a job's stream and the global event id on
 * `/v1/events`, so Last-Event-ID resumes either. Made and encoded once per event, and shared by
 * every stream that sends it.
 */
export function sseFrame(event: AnyHoldfastEvent, idKind: 'seq' | 'global'): Buffer {
  const cache = idKind === 'seq' ? jobFrames : globalFrames;
  let frame = cache.get(event);
  if (frame === undefined) {
    const id = idKind === 'seq' ? event.seq : event.id;
    frame = Buffer.from(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    cache.set(event, frame);
  }
  return frame;
}

/** One Server-Sent Events response. */
export class SseConnection implements LiveStream {
  readonly #raw: ServerResponse;
  readonly #onClose = new Set<() => void>();
  #closed = false;
  #queued: Array<Buffer | string> = [];

  constructor(raw: ServerResponse) {
    this.#raw = raw;
    raw.on('close', () => this.#finish());
  }

  /** Sends the headers at once, so the client knows the stream is open before the first event. */
  open(headers: Record<string, string> = {}): void {
    // The stream's end is the connection's end: no chunked framing, so each frame leaves in one
    // plain write (with a thousand streams on one job, a write per stream per event is the cost).
    this.#raw.useChunkedEncodingByDefault = false;
    this.#raw.shouldKeepAlive = false;
    this.#raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'close',
      // Proxies such as nginx buffer responses unless told not to.
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.#raw.write(`retry: ${reconnectMs}\n\n`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.add(fn);
  }

  /**
   * Queues a frame; the frames queued in one turn of the event loop leave in one system call. A
   * commit publishes several events at once (a step's end and the next one's start), and with a
   * thousand streams on one job each write is a system call: this halves them or better.
   */
  send(frame: Buffer | string): void {
    if (this.#closed) return;
    if (this.#queued.length === 0) setImmediate(this.#flush);
    this.#queued.push(frame);
  }

  readonly #flush = () => {
    const frames = this.#queued;
    this.#queued = [];
    if (this.#closed || frames.length === 0) return;
    if (this.#raw.writableLength > maxBufferedBytes) {
      this.#raw.destroy();
      return;
    }
    if (frames.length === 1) {
      this.#raw.write(frames[0]!);
      return;
    }
    const socket = this.#raw.socket;
    socket?.cork();
    for (const frame of frames) this.#raw.write(frame);
    socket?.uncork();
  };

  heartbeat(): void {
    this.send(`: heartbeat ${new Date().toISOString()}\n\n`);
  }

  /** Ends the stream, after a last frame if given. */
  end(frame?: string): void {
    if (this.#closed) return;
    const last = frame === undefined ? this.#queued : [...this.#queued, frame];
    this.#queued = [];
    for (const chunk of last) this.#raw.write(chunk);
    this.#raw.end();
    this.#finish();
  }

  close(reason: 'shutdown'): void {
    this.end(`event: closing\ndata: ${JSON.stringify({ reason, retryAfterMs: reconnectMs })}\n\n`);
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onClose) fn();
    this.#onClose.clear();
  }
}
