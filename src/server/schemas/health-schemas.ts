import { z } from 'zod';

export const healthSchema = z.object({
  status: z
    .enum(['ok', 'degraded', 'down'])
    .describe('down: the database is unreachable; degraded: a breaker is open or the process is draining'),
  version: z.string(),
  uptimeSeconds: z.number(),
  draining: z.boolean(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    description: z.string(),
    status: z.enum(['up', 'down']),
    roundTripMs: z.number().nullable(),
    schema: z.object({ current: z.string().nullable(), expected: z.string() }).nullable(),
    error: z.string().nullable(),
  }),
  providers: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      breaker: z.enum(['closed', 'open', 'half-open']),
      inFlight: z.number(),
      cache: z
        .object({ hits: z.number(), misses: z.number(), size: z.number(), hitRate: z.number() })
        .nullable(),
      latency: z.object({
        calls: z.number().describe('Recent calls measured (at most 200)'),
        p50Ms: z.number().nullable(),
        p95Ms: z.number().nullable(),
        errorRate: z.number().nullable(),
        lastCallAt: z.string().nullable(),
      }),
    }),
  ),
  workers: z.object({
    running: z.boolean(),
    draining: z.boolean(),
    active: z.number(),
    concurrency: z.number(),
  }),
  queue: z
    .object({
      due: z.number().describe('Queued or waiting, due now, not claimed yet'),
      scheduled: z.number().describe('Waiting for a later time (a retry, a budget refill)'),
    })
    .nullable(),
  streams: z.number().describe('Live event streams open on this process'),
});

export const liveSchema = z.object({ status: z.literal('ok') });

export const readySchema = z.object({
  status: z.literal('ready'),
  database: z.object({ roundTripMs: z.number(), schema: z.string().nullable() }),
});
