import { z } from 'zod';
import { jobStateSchema, queryInt, queryList, tenantSchema } from './common.js';

const errorJson = z
  .object({
    name: z.string(),
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    recommendations: z.array(z.string()),
    retryable: z.boolean(),
    retryAfterMs: z.number().optional(),
  })
  .meta({ id: 'JobError' });

const progress = z.object({
  step: z.string(),
  done: z.number(),
  total: z.number().optional(),
  unit: z.string().optional(),
  percent: z.number().optional(),
  message: z.string().optional(),
});

export const stepSchema = z.object({
  name: z.string(),
  state: z.enum(['running', 'succeeded', 'failed']),
  attempt: z.number().int(),
  runs: z.number().int().describe('How many times the step was started in all'),
  output: z.unknown(),
  error: errorJson.nullable(),
  progress: progress.nullable(),
  compensated: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const jobSchema = z
  .object({
    id: z.string(),
    pipeline: z.string(),
    tenant: z.string().nullable(),
    state: jobStateSchema,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    input: z.unknown(),
    output: z.unknown(),
    error: errorJson.nullable().describe('The error that ended the job, with its recommendations'),
    progress: progress.nullable(),
    currentStep: z.string().nullable(),
    plan: z
      .object({ steps: z.array(z.string()), completed: z.number().int(), percent: z.number() })
      .nullable()
      .describe('"step 2 of 3" when the pipeline declares its steps'),
    runAt: z.string(),
    waitReason: z.string().nullable(),
    deadlineAt: z.string().nullable(),
    cancelRequested: z.boolean(),
    idempotencyKey: z.string().nullable(),
    estimate: z.record(z.string(), z.number()).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    updatedAt: z.string(),
    steps: z.array(stepSchema).optional().describe('On GET /v1/jobs/{id}; absent from lists'),
  })
  .meta({ id: 'Job' });

export const jobLinksSchema = z.object({
  self: z.string(),
  events: z.string(),
  retry: z.string(),
  cancel: z.string(),
  token: z.string(),
});

export const submitBodySchema = z
  .object({
    pipeline: z.string().min(1).max(100),
    input: z.unknown().describe("The pipeline's input, checked against its schema (GET /v1/pipelines)"),
    tenant: tenantSchema
      .optional()
      .describe('Whose job it is (admin only: a tenant key always submits for its own tenant)'),
    runAt: z
      .union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()])
      .optional()
      .describe('Do not start before this time (ISO 8601, or ms since the epoch)'),
  })
  .strict();

export const submitAnswerSchema = z.object({
  id: z.string(),
  state: jobStateSchema,
  links: jobLinksSchema,
});

export const estimateBodySchema = z
  .object({
    pipeline: z.string().min(1).max(100),
    input: z.unknown(),
    tenant: tenantSchema.optional(),
  })
  .strict();

export const estimateAnswerSchema = z.object({
  pipeline: z.string(),
  tenant: z.string().nullable(),
  safeToProceed: z.boolean(),
  warnings: z.array(z.string()),
  meters: z.array(
    z.object({
      meter: z.string(),
      estimate: z.number(),
      cap: z.number().nullable().describe("The pipeline's cap for one job"),
      scope: z.string().nullable().describe('The account that binds (the one with the least room)'),
      period: z.string().nullable(),
      balance: z.number().nullable(),
      limit: z.number().nullable(),
      remainingAfter: z.number().nullable(),
      resetAt: z.string().nullable(),
      safeToProceed: z.boolean(),
      refusal: z
        .object({
          code: z.enum(['JOB_TOO_EXPENSIVE', 'QUOTA_EXCEEDED', 'INSUFFICIENT_TOKENS']),
          message: z.string(),
        })
        .nullable()
        .describe('Why a submission now would be refused, if it would'),
    }),
  ),
});

export const listQuerySchema = z
  .object({
    state: queryList(jobStateSchema).optional().describe('One or more states, comma-separated or repeated'),
    pipeline: z.string().min(1).max(100).optional(),
    tenant: tenantSchema.optional().describe('Admin only (a tenant key sees its own jobs)'),
    since: z.iso.datetime({ offset: true }).optional().describe('Only jobs created at or after this time'),
    cursor: z.string().max(36).optional().describe('`next` of the previous page'),
    limit: queryInt(1, 200).optional().describe('At most this many jobs (1–200, default 50)'),
  })
  .strict();

export const jobPageSchema = z.object({
  jobs: z.array(jobSchema),
  next: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last'),
});

export const retryBodySchema = z
  .object({ force: z.boolean().optional().describe('Skip the budget pre-check (admin only)') })
  .strict();

export const cancelBodySchema = z.object({ reason: z.string().max(500).optional() }).strict();

export const tokenBodySchema = z
  .object({
    ttlSeconds: z.number().int().min(1).max(86_400).optional().describe('Lifetime (default 15 min)'),
  })
  .strict();

export const tokenAnswerSchema = z.object({
  token: z.string().describe('Send as `Authorization: Bearer …` or `?access_token=…`'),
  jobId: z.string(),
  expiresAt: z.string(),
  events: z.string().describe('The URL of the job’s event stream, token included'),
});
