import { holdfastError, isHoldfastError } from '../../errors/holdfast-error.js';
import { schemaStatus } from '../../store/schema-status.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { queueDepth } from '../queries/job-counts.js';
import { healthSchema, liveSchema, readySchema } from '../schemas/health-schemas.js';
import type { ServerContext } from '../server-context.js';

/** A probe must answer even when the database does not: it waits this long at most. */
const probeTimeoutMs = 2000;

/** Health: a detailed report, liveness, and readiness (503 while this process cannot serve). */
export function healthRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { services, internals, hf, state, hub } = ctx;
  const { store, clock } = services;

  /** One round trip that also reads the schema version. */
  const probe = async () => {
    const started = performance.now();
    const schema = await withTimeout(schemaStatus(store)).catch((error: unknown) => {
      throw isHoldfastError(error)
        ? error
        : holdfastError(
            'DATABASE_UNAVAILABLE',
            { database: store.description, reason: 'unreachable', operation: 'health check' },
            { cause: error },
          );
    });
    return { roundTripMs: Math.round((performance.now() - started) * 100) / 100, schema };
  };

  return [
    defineRoute({
      method: 'GET',
      url: '/health',
      operationId: 'health',
      summary: 'Health: database round trip, providers, workers, queue depth',
      tags: ['health'],
      access: 'public',
      responses: {
        200: { description: 'The report (status ok or degraded)', schema: healthSchema },
        503: {
          description: 'The same report, status down: the database is unreachable',
          schema: healthSchema,
        },
      },
      handler: async () => {
        let database: {
          roundTripMs: number | null;
          schema: { current: string | null; expected: string } | null;
          error: string | null;
        };
        try {
          const { roundTripMs, schema } = await probe();
          database = {
            roundTripMs,
            schema: { current: schema.current, expected: schema.expected },
            error: null,
          };
        } catch (error) {
          database = {
            roundTripMs: null,
            schema: null,
            error: isHoldfastError(error) ? error.code : 'DATABASE_UNAVAILABLE',
          };
        }
        const queue =
          database.error === null
            ? await withTimeout(queueDepth(store, clock.now())).catch(() => null)
            : null;
        const providers = Object.values(hf.providers).map((client) => {
          const health = client.health();
          return {
            name: client.name,
            kind: health.kind,
            breaker: health.breaker?.state ?? ('closed' as const),
            inFlight: health.inFlight,
            cache: health.cache,
            latency: ctx.metrics.latency.of(client.name),
          };
        });
        const down = database.error !== null;
        const degraded = state.draining || providers.some((p) => p.breaker !== 'closed');
        const worker = internals.workerStatus();
        return {
          status: down ? 503 : 200,
          body: {
            status: down ? 'down' : degraded ? 'degraded' : 'ok',
            version: ctx.version,
            uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
            draining: state.draining,
            database: {
              kind: store.kind,
              description: store.description,
              status: down ? 'down' : 'up',
              ...database,
            },
            providers,
            workers: {
              running: worker.running,
              draining: worker.draining,
              active: worker.active,
              concurrency: worker.concurrency,
            },
            queue,
            streams: hub.openStreams,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/health/live',
      operationId: 'live',
      summary: 'Liveness: the process answers',
      tags: ['health'],
      access: 'public',
      responses: { 200: { description: 'Alive', schema: liveSchema } },
      handler: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      url: '/health/ready',
      operationId: 'ready',
      summary:
        'Readiness: 503 while the database is unreachable, the schema is not migrated, or the process is draining',
      tags: ['health'],
      access: 'public',
      responses: { 200: { description: 'Ready to serve', schema: readySchema } },
      handler: async () => {
        if (state.draining) throw holdfastError('SHUTTING_DOWN', {});
        const { roundTripMs, schema } = await probe();
        if (schema.pending.length > 0) {
          throw holdfastError('SCHEMA_NOT_MIGRATED', {
            database: store.description,
            current: schema.current,
            expected: schema.expected,
          });
        }
        return { status: 200, body: { status: 'ready', database: { roundTripMs, schema: schema.current } } };
      },
    }),
  ];

  function withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            holdfastError('DATABASE_UNAVAILABLE', {
              database: store.description,
              reason: 'timeout',
              operation: 'health check',
            }),
          ),
        probeTimeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
