import { z } from 'zod';
import { holdfastError, isHoldfastError } from '../../errors/holdfast-error.js';
import { pickLocale } from '../../errors/recommendations.js';
import { terminalStates } from '../../runtime/job.js';
import { errorReply } from '../http/error-reply.js';
import { findJob } from '../http/job-access.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { jobIdParams, queryInt, queryList, tenantSchema } from '../schemas/common.js';
import type { ServerContext } from '../server-context.js';
import { GlobalFeed } from '../streams/global-feed.js';
import { JobFeed } from '../streams/job-feed.js';
import { SseConnection, sseFrame } from '../streams/sse-connection.js';

const eventTypeSchema = z.string().regex(/^[a-z][a-z-]*:(\*|[a-z][a-z-]*)$/, {
  error: "an event type such as 'job:failed', or a prefix such as 'job:*'",
});

const lastEventIdHeader = {
  name: 'Last-Event-ID',
  description: 'Resume after this event (sent by EventSource on reconnect); wins over `?after=`',
  schema: z.string().regex(/^\d{1,15}$/),
};

const eventStreamDoc = {
  description:
    'text/event-stream: `id:` (resume point), `event:` (the event type), `data:` (the event as JSON); a `: heartbeat` comment every 15 s; an `event: closing` frame when the server shuts down',
  schema: z.string(),
  contentType: 'text/event-stream',
};

/** Server-Sent Events: one job's timeline, and everything the caller may see. */
export function streamRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { hub, services } = ctx;
  const onError = (error: unknown) => services.logger.warn({ err: error }, 'event stream failed');
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/:id/events',
      operationId: 'followJobEvents',
      summary: 'Follow a job’s events (Server-Sent Events)',
      description:
        'Replays the job’s events after `Last-Event-ID` (or `?after=`), then streams new ones as they are committed — by any worker of the deployment — and ends after the terminal event (job:succeeded, job:failed, job:cancelled). `id:` is the event’s position in the job’s timeline (1, 2, 3…), so a reconnect loses and repeats nothing.',
      tags: ['events'],
      access: 'job',
      queryToken: true,
      params: jobIdParams,
      query: z
        .object({
          after: queryInt(0, 2_147_483_647).optional().describe('Resume after this seq (0: from the start)'),
          access_token: z.string().max(2000).optional().describe('A job token or key, for EventSource'),
        })
        .strict(),
      headers: [lastEventIdHeader],
      responses: { 200: eventStreamDoc },
      errors: [404],
      handler: async ({ principal, params, query, request, reply }) => {
        const job = await findJob(ctx, principal!, params.id);
        const afterSeq = lastEventId(request.headers['last-event-id']) ?? query.after ?? 0;
        const connection = new SseConnection(reply.raw);
        reply.hijack();
        connection.open();
        const feed = new JobFeed({
          hub,
          replay: ctx.replay,
          jobId: job.id,
          afterSeq,
          sink: {
            event: (event) => connection.send(sseFrame(event, 'seq')),
            end: () => connection.end(),
          },
          isTerminal: async () => terminalStates.includes((await ctx.hf.jobs.get(job.id)).state),
          onError,
        });
        const untrack = hub.track(connection);
        connection.onClose(() => {
          feed.stop();
          untrack();
        });
        await feed
          .start()
          .catch((error: unknown) => failStream(connection, error, request.headers['accept-language']));
        return undefined;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/events',
      operationId: 'followEvents',
      summary: 'Follow every event the caller may see (Server-Sent Events)',
      description:
        'All events of the caller’s jobs (the admin: of every job, and the quota and provider events), filtered by type and pipeline, as they are committed. `id:` is the global event id; with `Last-Event-ID` the stream first replays what followed it. New event types (notifications) appear here without any change.',
      tags: ['events'],
      access: 'tenant',
      queryToken: true,
      query: z
        .object({
          types: queryList(eventTypeSchema)
            .optional()
            .describe("Event types or prefixes: 'job:failed,step:*'"),
          pipeline: z.string().min(1).max(100).optional(),
          tenant: tenantSchema.optional().describe('Admin only: one tenant’s events'),
          access_token: z.string().max(2000).optional(),
        })
        .strict(),
      headers: [lastEventIdHeader],
      responses: { 200: eventStreamDoc },
      handler: async ({ principal, query, request, reply }) => {
        const afterId = lastEventId(request.headers['last-event-id']);
        const connection = new SseConnection(reply.raw);
        reply.hijack();
        connection.open();
        const feed = new GlobalFeed({
          hub,
          sql: services.store,
          principal: principal!,
          filter: {
            types: query.types,
            pipeline: query.pipeline,
            tenant: principal!.kind === 'admin' ? query.tenant : undefined,
          },
          afterId,
          send: (event) => connection.send(sseFrame(event, 'global')),
          pipelineOf: (jobId) => ctx.pipelineOf.of(jobId),
          onError,
        });
        const untrack = hub.track(connection);
        connection.onClose(() => {
          feed.stop();
          untrack();
        });
        await feed
          .start()
          .catch((error: unknown) => failStream(connection, error, request.headers['accept-language']));
        return undefined;
      },
    }),
  ];
}

/** Last-Event-ID as a number; a malformed one is a 400 before the stream opens. */
function lastEventId(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const value = Array.isArray(header) ? undefined : header.trim();
  if (value === undefined || !/^\d{1,15}$/.test(value)) {
    throw holdfastError('VALIDATION_ERROR', {
      field: 'headers.last-event-id',
      issues: [{ path: 'headers.last-event-id', message: 'must be the id of an event this stream sent' }],
      subject: 'request',
    });
  }
  return Number(value);
}

/** A stream that cannot go on (the database went away) says why in an `error` frame and ends. */
function failStream(connection: SseConnection, error: unknown, acceptLanguage: string | undefined): void {
  const holdfast = isHoldfastError(error)
    ? error
    : holdfastError('INTERNAL', { reason: 'event stream failed' });
  const { body } = errorReply(holdfast, pickLocale(acceptLanguage), Date.now());
  connection.end(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
}
