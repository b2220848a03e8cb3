import { z } from 'zod';
import { hasCode, holdfastError } from '../../errors/holdfast-error.js';
import type { Locale } from '../../errors/recommendations.js';
import type { EstimateReport } from '../../ledger/ledger-reports.js';
import type { AnyPipeline } from '../../runtime/pipeline.js';
import { findJob, jobLinks, localizeJob } from '../http/job-access.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { jobIdParams } from '../schemas/common.js';
import {
  cancelBodySchema,
  estimateAnswerSchema,
  estimateBodySchema,
  jobPageSchema,
  jobSchema,
  listQuerySchema,
  retryBodySchema,
  submitAnswerSchema,
  submitBodySchema,
  tokenAnswerSchema,
  tokenBodySchema,
} from '../schemas/job-schemas.js';
import type { ServerContext } from '../server-context.js';

const idempotencyKeySchema = z.string().min(1).max(255);
const fullId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Jobs: submit, estimate, list, read, retry, cancel, and a browser token for one job. */
export function jobRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { hf } = ctx;
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/jobs',
      operationId: 'submitJob',
      summary: 'Submit a job',
      description:
        'Validates the input against the pipeline, reserves its estimated cost on the budgets, and queues it: the answer comes at once (202) and the pipeline runs in the background. With an `Idempotency-Key`, sending the same pipeline, tenant and input again returns the original job (200, `Idempotent-Replayed: true`); the same key with a different input is a 409.',
      tags: ['jobs'],
      access: 'tenant',
      body: submitBodySchema,
      headers: [
        {
          name: 'Idempotency-Key',
          description: 'Makes the submission safe to repeat (kept 7 days; scoped to pipeline and tenant)',
          schema: idempotencyKeySchema,
        },
      ],
      responses: {
        202: {
          description: 'Queued (or waiting for budget); follow it at `links.events`',
          schema: submitAnswerSchema,
          headers: { Location: { description: 'The job’s URL' } },
        },
        200: {
          description: 'The job this Idempotency-Key already created',
          schema: submitAnswerSchema,
          headers: { 'Idempotent-Replayed': { description: '`true`' } },
        },
      },
      errors: [404, 409, 413, 415, 429],
      handler: async ({ principal, body, request }) => {
        const key = idempotencyKey(request.headers['idempotency-key']);
        const tenant = principal!.kind === 'tenant' ? principal!.tenant : body.tenant;
        // By name: the input is checked against the pipeline's own schema by submit.
        const result = await hf
          .submit<AnyPipeline>(body.pipeline, body.input, {
            ...(tenant === undefined ? {} : { tenant }),
            ...(key === undefined ? {} : { idempotencyKey: key }),
            ...(body.runAt === undefined ? {} : { runAt: body.runAt }),
          })
          .catch((error: unknown) => {
            throw inBody(error);
          });
        ctx.metrics.submitted(body.pipeline, result.deduplicated ? 'replayed' : 'accepted');
        const links = jobLinks(result.id);
        return {
          status: result.deduplicated ? 200 : 202,
          headers: {
            location: links.self,
            ...(result.deduplicated ? { 'idempotent-replayed': 'true' } : {}),
          },
          body: { id: result.id, state: result.state, links },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/jobs/estimate',
      operationId: 'estimateJob',
      summary: 'Estimate a job before submitting it',
      description:
        'Per meter: the estimate, the balance of the account that binds, what would remain after, when it resets, and whether a submission now would be refused and why. Nothing is reserved.',
      tags: ['jobs'],
      access: 'tenant',
      body: estimateBodySchema,
      responses: { 200: { description: 'The estimate against what is left', schema: estimateAnswerSchema } },
      errors: [404],
      handler: async ({ principal, body, locale }) => {
        const tenant = principal!.kind === 'tenant' ? principal!.tenant : body.tenant;
        const report = await hf
          .estimate<AnyPipeline>(body.pipeline, body.input, tenant === undefined ? {} : { tenant })
          .catch((error: unknown) => {
            throw inBody(error);
          });
        return { status: 200, body: withRefusals(report, locale) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/jobs',
      operationId: 'listJobs',
      summary: 'List jobs, newest first',
      tags: ['jobs'],
      access: 'tenant',
      query: listQuerySchema,
      responses: { 200: { description: 'A page of jobs', schema: jobPageSchema } },
      handler: async ({ principal, query, locale }) => {
        const tenant = principal!.kind === 'tenant' ? principal!.tenant : query.tenant;
        if (query.cursor !== undefined && !fullId.test(query.cursor)) throw badCursor();
        const page = await hf.jobs
          .list({
            ...(query.state === undefined ? {} : { state: query.state }),
            ...(query.pipeline === undefined ? {} : { pipeline: query.pipeline }),
            ...(tenant === undefined ? {} : { tenant }),
            ...(query.cursor === undefined ? {} : { after: query.cursor }),
            limit: query.limit ?? 50,
          })
          .catch((error: unknown) => {
            throw hasCode(error, 'NOT_FOUND') ? badCursor() : error;
          });
        const since = query.since === undefined ? undefined : Date.parse(query.since);
        const jobs =
          since === undefined ? page.jobs : page.jobs.filter((j) => Date.parse(j.createdAt) >= since);
        return {
          status: 200,
          body: {
            jobs: jobs.map((j) => localizeJob(j, locale)),
            next: jobs.length < page.jobs.length ? null : page.next,
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/jobs/:id',
      operationId: 'getJob',
      summary: 'One job: steps, progress, attempts, waits, and its error with recommendations',
      tags: ['jobs'],
      access: 'job',
      params: jobIdParams,
      responses: { 200: { description: 'The job', schema: jobSchema } },
      errors: [404],
      handler: async ({ principal, params, locale }) => ({
        status: 200,
        body: localizeJob(await findJob(ctx, principal!, params.id), locale),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/jobs/:id/retry',
      operationId: 'retryJob',
      summary: 'Retry a failed or cancelled job from its failed step',
      description:
        'Steps that succeeded are not run (nor paid) again. Unless `force` (admin only), the budgets must cover the remaining steps: a refusal carries X-Token-Balance, X-Token-Required, X-Token-Deficit and, when a reset or refill will make it fit, Retry-After.',
      tags: ['jobs'],
      access: 'tenant',
      params: jobIdParams,
      body: retryBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'Queued again', schema: jobSchema } },
      errors: [404, 409, 429],
      handler: async ({ principal, params, body, locale }) => {
        if (body.force && principal!.kind !== 'admin') {
          throw holdfastError('FORBIDDEN', {
            action: 'POST /v1/jobs/{id}/retry {"force":true}',
            role: principal!.kind,
          });
        }
        const job = await findJob(ctx, principal!, params.id);
        const retried = await hf.jobs.retry(job.id, { force: body.force ?? false });
        return {
          status: 202,
          headers: { location: jobLinks(job.id).self },
          body: localizeJob(retried, locale),
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/jobs/:id/cancel',
      operationId: 'cancelJob',
      summary: 'Cancel a job',
      description:
        'A queued or waiting job is cancelled at once; a running one stops at its worker, which rolls back the current step and runs the undo hooks.',
      tags: ['jobs'],
      access: 'tenant',
      params: jobIdParams,
      body: cancelBodySchema,
      bodyOptional: true,
      responses: { 202: { description: 'Cancelled, or being cancelled', schema: jobSchema } },
      errors: [404, 409],
      handler: async ({ principal, params, body, locale }) => {
        const job = await findJob(ctx, principal!, params.id);
        const cancelled = await hf.jobs.cancel(
          job.id,
          body.reason === undefined ? {} : { reason: body.reason },
        );
        return { status: 202, body: localizeJob(cancelled, locale) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/jobs/:id/token',
      operationId: 'createJobToken',
      summary: 'A short-lived read-only token for one job and its events',
      description:
        'For browsers: the token reads this job and follows its event stream (`?access_token=`), nothing else, and expires on its own.',
      tags: ['jobs'],
      access: 'tenant',
      params: jobIdParams,
      body: tokenBodySchema,
      bodyOptional: true,
      responses: { 201: { description: 'The token', schema: tokenAnswerSchema } },
      errors: [404],
      handler: async ({ principal, params, body }) => {
        const job = await findJob(ctx, principal!, params.id);
        const expiresAt =
          ctx.services.clock.now() + (body.ttlSeconds ? body.ttlSeconds * 1000 : ctx.options.jobTokenTtlMs);
        const token = ctx.tokens.sign(job, expiresAt);
        return {
          status: 201,
          body: {
            token,
            jobId: job.id,
            expiresAt: new Date(expiresAt).toISOString(),
            events: `${jobLinks(job.id).events}?access_token=${token}`,
          },
        };
      },
    }),
  ];
}

function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !idempotencyKeySchema.safeParse(value).success || Array.isArray(header)) {
    throw holdfastError('VALIDATION_ERROR', {
      field: 'headers.idempotency-key',
      issues: [{ path: 'headers.idempotency-key', message: 'must be one text of 1 to 255 characters' }],
      subject: 'request',
    });
  }
  return value;
}

function badCursor() {
  return holdfastError('VALIDATION_ERROR', {
    field: 'query.cursor',
    issues: [{ path: 'query.cursor', message: 'is not the `next` of a page of this listing' }],
    subject: 'request',
  });
}

/** The runtime names input fields from the input's root; the API names them from the body's. */
function inBody(error: unknown): unknown {
  if (!hasCode(error, 'VALIDATION_ERROR')) return error;
  const d = error.details;
  const where = (path: string) =>
    d.subject === 'input' ? (path ? `body.input.${path}` : 'body.input') : path ? `body.${path}` : 'body';
  return holdfastError(
    'VALIDATION_ERROR',
    {
      ...d,
      field: where(d.field),
      issues: d.issues.map((i) => ({ path: where(i.path), message: i.message })),
    },
    { cause: error },
  );
}

/** Says, per meter, whether a submission now would be refused, with which code and why. */
function withRefusals(report: EstimateReport, locale: Locale) {
  const fr = locale === 'fr';
  return {
    ...report,
    meters: report.meters.map((m) => {
      let refusal: {
        code: 'JOB_TOO_EXPENSIVE' | 'QUOTA_EXCEEDED' | 'INSUFFICIENT_TOKENS';
        message: string;
      } | null = null;
      if (m.cap !== null && m.estimate > m.cap) {
        refusal = {
          code: 'JOB_TOO_EXPENSIVE',
          message: fr
            ? `L'estimation (${m.estimate}) dépasse le plafond de ${m.cap} du pipeline pour un job : attendre n'y changera rien.`
            : `The estimate (${m.estimate}) is above the pipeline's cap of ${m.cap} for one job: waiting cannot help.`,
        };
      } else if (m.remainingAfter !== null && m.remainingAfter < 0) {
        const until = m.resetAt ? (fr ? ` jusqu'à ${m.resetAt}` : ` until ${m.resetAt}`) : '';
        refusal = {
          code: m.period === 'refill' ? 'INSUFFICIENT_TOKENS' : 'QUOTA_EXCEEDED',
          message: fr
            ? `${m.scope} dispose de ${m.balance} ${m.meter}, le job en demande ${m.estimate} : il en manque ${-m.remainingAfter}${until}.`
            : `${m.scope} has ${m.balance} ${m.meter} left, the job needs ${m.estimate}: ${-m.remainingAfter} short${until}.`,
        };
      }
      return { ...m, refusal };
    }),
  };
}
