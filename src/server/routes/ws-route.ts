import type {} from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { holdfastError } from '../../errors/holdfast-error.js';
import { pickLocale } from '../../errors/recommendations.js';
import type { Authenticator } from '../auth/authenticator.js';
import { findJob } from '../http/job-access.js';
import { authenticationHook } from '../http/register-routes.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import type { ServerContext } from '../server-context.js';
import { WsSession } from '../streams/ws-session.js';

/** The WebSocket endpoint as the OpenAPI document describes it (served by `registerWebSocket`). */
export const wsRouteDoc: AnyRouteSpec = defineRoute({
  method: 'GET',
  url: '/v1/ws',
  operationId: 'websocket',
  summary: 'Live events over a WebSocket: subscribe to jobs or to filters',
  tags: ['events'],
  access: 'job',
  queryToken: true,
  websocket: true,
  query: z.object({ access_token: z.string().max(2000).optional() }).strict(),
  responses: { 101: { description: 'Switching to the WebSocket protocol' } },
  handler: async () => undefined,
});

/** Serves `/v1/ws`; a plain GET without an upgrade is a 400 with the error envelope. */
export function registerWebSocket(
  app: FastifyInstance,
  ctx: ServerContext,
  authenticator: Authenticator,
): void {
  const { hub, services } = ctx;
  app.route({
    method: 'GET',
    url: wsRouteDoc.url,
    onRequest: authenticationHook(wsRouteDoc, authenticator),
    handler: async () => {
      throw holdfastError('VALIDATION_ERROR', {
        field: 'headers.upgrade',
        issues: [
          {
            path: 'headers.upgrade',
            message: "must be 'websocket': this endpoint speaks the WebSocket protocol",
          },
        ],
        subject: 'request',
      });
    },
    wsHandler: (socket, request) => {
      const principal = request.principal!;
      new WsSession({
        socket,
        principal,
        locale: pickLocale(request.headers['accept-language']),
        hub,
        sql: services.store,
        replay: ctx.replay,
        findJob: (id) => findJob(ctx, principal, id),
        jobState: async (id) => (await ctx.hf.jobs.get(id)).state,
        pipelineOf: (jobId) => ctx.pipelineOf.of(jobId),
        now: () => services.clock.now(),
        onError: (error) => services.logger.warn({ err: error }, 'WebSocket subscription failed'),
      }).start();
    },
  });
}
