import { z } from 'zod';
import { findJob } from '../http/job-access.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { jobCountsByState } from '../queries/job-counts.js';
import { jobSpend } from '../queries/job-spend.js';
import { jobIdParams, tenantSchema } from '../schemas/common.js';
import type { ServerContext } from '../server-context.js';

const countsSchema = z
  .object({
    counts: z.object({
      queued: z.number(),
      running: z.number(),
      waiting: z.number(),
      succeeded: z.number(),
      failed: z.number(),
      cancelled: z.number(),
    }),
    total: z.number(),
  })
  .meta({ id: 'JobCounts' });

const spendSchema = z
  .object({
    charged: z
      .record(z.string(), z.number())
      .describe(
        'Per meter, what the job’s calls were charged: tokens, `usd` (when the model has a price), `requests`',
      ),
    held: z.record(z.string(), z.number()).describe('Per meter, held right now by calls in flight'),
    calls: z.number().describe('Provider calls that reserved budget'),
  })
  .meta({ id: 'JobSpend' });

/** What the dashboard shows beside the job list and a job: counts per state, and a job's spend. */
export function jobInsightRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/counts',
      operationId: 'countJobs',
      summary: 'How many jobs are in each state',
      description: 'With the filters of GET /v1/jobs; a tenant key counts its own jobs.',
      tags: ['jobs'],
      access: 'tenant',
      query: z
        .object({
          pipeline: z.string().min(1).max(100).optional(),
          tenant: tenantSchema.optional().describe('Admin only (a tenant key counts its own jobs)'),
          since: z.iso
            .datetime({ offset: true })
            .optional()
            .describe('Only jobs created at or after this time'),
        })
        .strict(),
      responses: { 200: { description: 'Jobs per state', schema: countsSchema } },
      handler: async ({ principal, query }) => {
        const tenant = principal!.kind === 'tenant' ? principal!.tenant : query.tenant;
        const counts = await jobCountsByState(ctx.services.store, {
          pipeline: query.pipeline,
          tenant,
          since: query.since,
        });
        return {
          status: 200,
          body: { counts, total: Object.values(counts).reduce((a, b) => a + b, 0) },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/:id/spend',
      operationId: 'getJobSpend',
      summary: 'What a job’s provider calls cost: tokens, USD and requests per meter',
      tags: ['jobs'],
      access: 'job',
      params: jobIdParams,
      responses: { 200: { description: 'The job’s spend', schema: spendSchema } },
      errors: [404],
      handler: async ({ principal, params }) => {
        const job = await findJob(ctx, principal!, params.id);
        return { status: 200, body: await jobSpend(ctx.services.store, job.id) };
      },
    }),
  ];
}
