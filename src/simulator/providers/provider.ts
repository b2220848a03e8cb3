import type { Fault, ProviderName } from '../fault.js';
import type { Usage } from '../request-log.js';
import type { ResponseWriter } from '../response-writer.js';

/** Reads one request header (lower-case name) without building Node's full headers object. */
export type HeaderLookup = (name: string) => string | undefined;

export function headerLookup(rawHeaders: readonly string[]): HeaderLookup {
  return (name) => {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const key = rawHeaders[i]!;
      if (key.length === name.length && key.toLowerCase() === name) return rawHeaders[i + 1];
    }
    return undefined;
  };
}

/** The parts of a request URL providers look at; the query is parsed only when asked for. */
export interface RequestUrl {
  readonly pathname: string;
  readonly searchParams: URLSearchParams;
}

/** Splits a request target without the cost of a full URL parse on every request. */
export function requestUrl(target: string): RequestUrl {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  let params: URLSearchParams | undefined;
  return {
    pathname,
    get searchParams() {
      params ??= new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
      return params;
    },
  };
}

/** A parsed request as provider modules see it. */
export interface SimRequest {
  readonly method: string;
  readonly url: RequestUrl;
  readonly header: HeaderLookup;
  /** The JSON body (undefined when absent). */
  readonly body: unknown;
  readonly apiKey: string | undefined;
}

/** What a handler can use. */
export interface SimContext {
  readonly seed: number;
  readonly seq: number;
  /** Epoch milliseconds (injectable for tests). */
  readonly now: () => number;
  readonly request: SimRequest;
  readonly writer: ResponseWriter;
  /** Records what this request is billed (read by /_sim/requests and the ledger). */
  charge(usage: Usage): void;
  /** Names the model in the log. */
  model(name: string): void;
  /** Shared per-key state for a provider (rate windows, prompt caches, token buckets). */
  state<T>(key: string, create: () => T): T;
}

export interface MatchedRoute {
  readonly route: string;
  readonly stream: boolean;
  handle(ctx: SimContext): Promise<void> | void;
}

/** One provider's wire format. */
export interface ProviderModule {
  readonly name: ProviderName;
  /**
   * Which route a request is, or undefined if this provider has no such endpoint. Headers settle
   * paths two providers share (GET /v1/models is OpenAI's and Gemini's v1).
   */
  match(method: string, url: RequestUrl, body: unknown, header: HeaderLookup): MatchedRoute | undefined;
  /** The API key as this provider sends it. */
  apiKey(header: HeaderLookup, url: RequestUrl): string | undefined;
  /** Renders a refusal in this provider's own format: rate limit, quota, any error status, or no key. */
  refuse(ctx: SimContext, refusal: Refusal): void;
}

/** What a provider refuses a request with. */
export type Refusal =
  | Extract<Fault, { kind: 'rate-limit' | 'quota' | 'daily-quota' | 'status' }>
  | { readonly kind: 'no-key' }
  | { readonly kind: 'bad-request'; readonly message: string; readonly param?: string | undefined };

/** A 400 for a request this provider would reject as malformed. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** The body as an object, or a BadRequest. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest('We could not parse the JSON body of your request.');
  }
  return body as Record<string, unknown>;
}

/** An id like the provider's: prefix + deterministic hex from seed and request number. */
export function simId(prefix: string, seed: number, seq: number, length = 24): string {
  const a = (Math.imul(seed ^ seq, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');
  const b = (Math.imul(seq + 0x7f4a7c15, 0x85ebca6b) >>> 0).toString(16).padStart(8, '0');
  const hex = a + b;
  return prefix + (length <= 16 ? hex.slice(0, length) : hex.repeat(Math.ceil(length / 16)).slice(0, length));
}

/** A Go-style duration as OpenAI's x-ratelimit-reset-* headers use: `12ms`, `1.146s`, `6m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const totalSeconds = ms / 1000;
  if (totalSeconds < 60) return `${Number(totalSeconds.toFixed(3))}s`;
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = Math.round(totalSeconds - minutes * 60);
  if (minutes < 60) return `${minutes}m${seconds}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds}s`;
}

export function sseData(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A per-key, per-minute counter of requests and tokens, for rate-limit headers. */
export interface RateWindow {
  start: number;
  requests: number;
  tokens: number;
}

export function rateWindow(ctx: SimContext, provider: string): RateWindow {
  const window = ctx.state<RateWindow>(`${provider}:rate:${ctx.request.apiKey ?? '-'}`, () => ({
    start: ctx.now(),
    requests: 0,
    tokens: 0,
  }));
  if (ctx.now() - window.start >= 60_000) {
    window.start = ctx.now();
    window.requests = 0;
    window.tokens = 0;
  }
  return window;
}
