import { z } from 'zod';
import { holdfastError } from '../../errors/holdfast-error.js';
import { parseDuration } from '../../time/duration.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { applyRetention } from '../retention.js';
import { tenantSchema } from '../schemas/common.js';
import type { ServerContext } from '../server-context.js';

const keyInfoSchema = z
  .object({
    id: z.string(),
    role: z.enum(['admin', 'tenant']),
    tenant: z.string().nullable(),
    name: z.string().nullable(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable().describe('Updated at most once a minute'),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const retentionSchema = z.object({
  cutoff: z.string(),
  dryRun: z.boolean(),
  jobs: z.number(),
  events: z.number(),
  steps: z.number(),
  idempotencyKeys: z.number(),
  ledgerEntries: z.number(),
  callReservations: z.number(),
});

/** The admin's routes: tenants, API keys, and retention. */
export function adminRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { keys } = ctx;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/keys',
      operationId: 'listKeys',
      summary: 'API keys (never the keys themselves)',
      tags: ['admin'],
      access: 'admin',
      query: z.object({ tenant: tenantSchema.optional() }).strict(),
      responses: { 200: { description: 'The keys', schema: z.object({ keys: z.array(keyInfoSchema) }) } },
      handler: async ({ query }) => ({
        status: 200,
        body: { keys: await keys.list({ tenant: query.tenant }) },
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/keys',
      operationId: 'createKey',
      summary: 'Create a tenant key; the key is in this answer and nowhere else',
      tags: ['admin'],
      access: 'admin',
      body: z.object({ tenant: tenantSchema, name: z.string().min(1).max(200).optional() }).strict(),
      responses: {
        201: {
          description: 'The new key: keep it, it is stored only as a hash',
          schema: z.object({ key: z.string(), info: keyInfoSchema }),
        },
      },
      handler: async ({ body }) => ({ status: 201, body: await keys.create(body) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/keys/:keyId',
      operationId: 'revokeKey',
      summary: 'Revoke a tenant key (at once on every API process of a PostgreSQL deployment)',
      tags: ['admin'],
      access: 'admin',
      params: z.object({ keyId: z.string().min(1).max(40) }),
      responses: { 200: { description: 'The key, revoked', schema: keyInfoSchema } },
      errors: [404, 409],
      handler: async ({ params }) => ({ status: 200, body: await keys.revoke(params.keyId) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/keys/admin/rotate',
      operationId: 'rotateAdminKey',
      summary: 'Replace the admin key; the new one is in this answer and nowhere else',
      tags: ['admin'],
      access: 'admin',
      responses: { 201: { description: 'The new admin key', schema: z.object({ key: z.string() }) } },
      handler: async () => {
        const result = await keys.ensureAdmin({ rotate: true });
        if (result.key === undefined)
          throw holdfastError('INTERNAL', { reason: 'the admin key was not replaced' });
        return { status: 201, body: { key: result.key } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/tenants',
      operationId: 'listTenants',
      summary: 'Tenants that have keys',
      tags: ['admin'],
      access: 'admin',
      responses: {
        200: {
          description: 'The tenants',
          schema: z.object({
            tenants: z.array(z.object({ id: z.string(), createdAt: z.string(), keys: z.number() })),
          }),
        },
      },
      handler: async () => ({ status: 200, body: { tenants: await keys.tenants() } }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/maintenance/cleanup',
      operationId: 'cleanup',
      summary:
        'Remove old history: finished jobs’ events and steps, expired idempotency keys, old journal rows',
      description:
        'What `holdfast cleanup` does, for a server that holds the embedded database. Account totals and daily usage are kept exact; failed and cancelled jobs keep their steps, so a retry still resumes from its checkpoints.',
      tags: ['admin'],
      access: 'admin',
      body: z
        .object({
          olderThan: z
            .string()
            .regex(/^\d+(\.\d+)?(ms|s|m|h|d|w)$/, { error: "a duration such as '30d' or '12h'" })
            .describe("How old: '30d', '12h'…"),
          dryRun: z.boolean().optional(),
        })
        .strict(),
      responses: { 200: { description: 'What was (or would be) removed', schema: retentionSchema } },
      handler: async ({ body }) => ({
        status: 200,
        body: await applyRetention(ctx.services.store, {
          olderThanMs: parseDuration(body.olderThan),
          dryRun: body.dryRun ?? false,
          now: ctx.services.clock.now(),
        }),
      }),
    }),
  ];
}
