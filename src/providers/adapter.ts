import type { HoldfastError } from '../errors/holdfast-error.js';
import type { ProviderConfig } from './provider-config.js';
import type { ProviderKind, ProviderRequest } from './provider-types.js';
import type { SseEvent } from './sse-parser.js';

/** A request ready to send, with what budgeting needs to know about it. */
export interface PreparedCall {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The JSON body as an object (adapters may have changed it) and as sent. */
  readonly json: unknown;
  readonly body: string | undefined;
  readonly stream: boolean;
  /** Short name for events and logs: 'chat', 'embeddings', 'messages', 'generate', 'GET /product'. */
  readonly operation: string;
  readonly model: string | undefined;
  /**
   * Upper bound of the input tokens: the body's size in bytes. No tokenizer makes more tokens than
   * bytes, so a hold sized from it can never be exceeded by the real usage (G3).
   */
  readonly inputBound: number;
  /** Largest output the request allows (max_tokens…); undefined when it sets none. */
  readonly outputCap: number | undefined;
}

/** Usage counts as one adapter reads them. */
export interface UsageCounts {
  readonly input: number;
  readonly output: number;
  readonly cached: number;
  /** For the generic adapter: amounts per meter from the user's extractor. */
  readonly meters?: Readonly<Record<string, number>>;
}

/** What an adapter sees of a failed HTTP answer. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or undefined if the body was not JSON. */
  readonly body: unknown;
  readonly text: string;
}

/** Follows a stream: yields its events, keeps count of what it generates, spots in-stream errors. */
export interface StreamMeter {
  /** The parsed event to hand on (undefined to skip it); `done` at the stream's end marker. Throws in-stream errors. */
  accept(event: SseEvent): { readonly value?: unknown; readonly done?: boolean };
  /** Output tokens generated so far: the provider's running count when it streams one, else an estimate. */
  outputSoFar(): number;
  /** Input tokens, once the provider has reported them (Anthropic's message_start, Gemini's chunks). */
  inputSoFar(): number | undefined;
  /** The provider's final usage, once the stream has completed normally; undefined before. */
  usage(): UsageCounts | undefined;
}

/** One provider's wire format. */
export interface Adapter {
  readonly kind: ProviderKind;
  prepare(request: ProviderRequest, config: ProviderConfig): PreparedCall;
  /** The same call with its output limited to `maxOutput` tokens (a budget's remaining room). */
  capOutput(call: PreparedCall, maxOutput: number): PreparedCall;
  /** A failed answer as a HoldfastError: rate limit, quota, overload, rejection… */
  classify(response: ErrorResponse, call: PreparedCall, provider: string): HoldfastError;
  usage(body: unknown, call: PreparedCall): UsageCounts | undefined;
  streamMeter(call: PreparedCall, provider: string): StreamMeter;
}

/** Serialises a JSON body and measures it. */
export function jsonBody(json: unknown): { body: string | undefined; bytes: number } {
  if (json === undefined) return { body: undefined, bytes: 0 };
  const body = JSON.stringify(json);
  return { body, bytes: Buffer.byteLength(body) };
}

export function withQuery(path: string, query: ProviderRequest['query']): string {
  if (!query || Object.keys(query).length === 0) return path;
  const search = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  return `${path}${path.includes('?') ? '&' : '?'}${search}`;
}

/** Rough output tokens of streamed text (4 characters a token), until the provider reports its count. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
