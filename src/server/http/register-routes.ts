import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pickLocale } from '../../errors/recommendations.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authorize, type Principal } from '../auth/principal.js';
import type { AnyRouteSpec } from './route-spec.js';
import { validateRequestPart } from './validate-request.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set by the route's authentication hook. */
    principal: Principal | undefined;
  }
}

/**
 * Authenticates a request for a route: runs before the body is read, so an anonymous or
 * forbidden caller gets 401 or 403 without the server parsing what it sent.
 */
export function authenticationHook(
  route: Pick<AnyRouteSpec, 'access' | 'queryToken' | 'method' | 'url'>,
  authenticator: Authenticator,
) {
  return async (request: FastifyRequest) => {
    const query = request.query as Record<string, unknown> | undefined;
    const token =
      route.queryToken && typeof query?.access_token === 'string' ? query.access_token : undefined;
    const principal =
      route.access === 'public' && request.headers.authorization === undefined
        ? undefined
        : await authenticator.principal({
            authorization: request.headers.authorization,
            queryToken: token,
            session: {
              cookie: request.headers.cookie,
              method: request.method,
              csrfToken: single(request.headers['x-csrf-token']),
              origin: request.headers.origin,
              host: request.headers.host,
            },
          });
    authorize(route.access, principal, `${route.method} ${route.url}`);
    request.principal = principal;
  };
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** Registers routes on Fastify: authentication, validation of every part, then the handler. */
export function registerRoutes(
  app: FastifyInstance,
  routes: readonly AnyRouteSpec[],
  authenticator: Authenticator,
): void {
  for (const route of routes) {
    if (route.websocket) continue;
    app.route({
      method: route.method,
      url: route.url,
      onRequest: authenticationHook(route, authenticator),
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const locale = pickLocale(request.headers['accept-language']);
        const params = route.params
          ? validateRequestPart(route.params, request.params, 'params', locale)
          : undefined;
        const query = route.query
          ? validateRequestPart(route.query, request.query ?? {}, 'query', locale)
          : undefined;
        const raw = request.body;
        const body = route.body
          ? validateRequestPart(
              route.body,
              raw === undefined && route.bodyOptional ? {} : raw,
              'body',
              locale,
            )
          : undefined;
        const result = await route.handler({
          request,
          reply,
          principal: request.principal,
          params,
          query,
          body,
          locale,
        });
        if (result === undefined) return reply;
        reply.code(result.status);
        if (result.headers) reply.headers(result.headers);
        if (result.contentType) reply.type(result.contentType);
        return reply.send(result.body);
      },
    });
  }
}
