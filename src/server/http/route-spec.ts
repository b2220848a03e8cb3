import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Locale } from '../../errors/recommendations.js';
import type { Access, Principal } from '../auth/principal.js';

/** A documented response of a route: its status, what it means, and its body's schema. */
export interface ResponseDoc {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Default application/json. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, { readonly description: string; readonly schema?: z.ZodType }>>;
}

/** A request header a route reads, for the OpenAPI document. */
export interface HeaderDoc {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType;
}

export interface RouteContext<P, Q, B> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Undefined only on public routes called without a credential. */
  readonly principal: Principal | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly locale: Locale;
}

/** What a handler answers; `undefined` when it wrote the answer itself (a stream). */
export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default application/json. */
  readonly contentType?: string;
}

/**
 * One route, declared once: the Fastify route, its request validation and its OpenAPI entry are
 * all made from this, so the document cannot drift from what the server does.
 */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Fastify syntax: `/v1/jobs/:id`. */
  readonly url: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  /** Accept the credential as `?access_token=` too (streams, which browsers open without headers). */
  readonly queryToken?: boolean;
  /** A WebSocket endpoint: documented here, served by the WebSocket module (`handler` is unused). */
  readonly websocket?: boolean;
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  readonly body?: z.ZodType<B>;
  /** The body may be left out entirely (then `body` is validated as `{}`). */
  readonly bodyOptional?: boolean;
  readonly headers?: readonly HeaderDoc[];
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Error statuses this route can answer besides the common ones (401, 403, 400, 503). */
  readonly errors?: readonly number[];
  readonly handler: (context: RouteContext<P, Q, B>) => Promise<RouteResult | undefined>;
}

/** A route of any types, as collections of routes hold them. */
// biome-ignore lint/suspicious/noExplicitAny: variance — a RouteSpec<{ id: string }> must fit here
export type AnyRouteSpec = RouteSpec<any, any, any>;

/** Declares a route, inferring its parameter, query and body types from their schemas. */
export function defineRoute<P = unknown, Q = unknown, B = unknown>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec<P, Q, B> {
  return spec;
}
