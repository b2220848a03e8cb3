import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import type { Pipeline } from '../../runtime/pipeline.js';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import type { ServerContext } from '../server-context.js';

const pipelineListSchema = z.object({
  pipelines: z.array(
    z.object({
      name: z.string(),
      inputSchema: z
        .record(z.string(), z.unknown())
        .nullable()
        .describe('JSON Schema (2020-12) of the input, from its validator; null when it cannot be described'),
      hasEstimate: z.boolean().describe('Submissions reserve an estimate on the budgets first'),
      budget: z.record(z.string(), z.number()).nullable().describe('Hard cap per meter for one job'),
      budgetMode: z.enum(['fail', 'wait']),
      steps: z.array(z.string()).nullable(),
      timeoutMs: z.number().nullable(),
      attempts: z.number(),
    }),
  ),
});

/** The configured pipelines and what their input must look like (to build forms from). */
export function pipelineRoutes(ctx: ServerContext): AnyRouteSpec[] {
  // Pipelines are fixed for the life of the process: describe them once.
  const described = [...ctx.internals.pipelines.values()].map(describePipeline);
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/pipelines',
      operationId: 'listPipelines',
      summary: 'Pipelines: names, input JSON Schemas, whether they have an estimate',
      tags: ['pipelines'],
      access: 'tenant',
      responses: { 200: { description: 'Every configured pipeline', schema: pipelineListSchema } },
      handler: async () => ({ status: 200, body: { pipelines: described } }),
    }),
  ];
}

function describePipeline(pipeline: Pipeline) {
  return {
    name: pipeline.name,
    inputSchema: inputJsonSchema(pipeline.inputSchema),
    hasEstimate: pipeline.estimate !== undefined,
    budget: pipeline.budget ?? null,
    budgetMode: pipeline.budgetMode,
    steps: pipeline.steps ? [...pipeline.steps] : null,
    timeoutMs: pipeline.timeoutMs ?? null,
    attempts: pipeline.retry.attempts,
  };
}

/**
 * The JSON Schema of a pipeline's input: zod schemas describe themselves (`z.toJSONSchema`); other
 * Standard Schema validators have no common way to, and give null.
 */
export function inputJsonSchema(schema: StandardSchemaV1 | undefined): Record<string, unknown> | null {
  if (schema === undefined) return {};
  // Duck-typed: the application's copy of zod may not be this package's.
  if (typeof schema !== 'object' || schema === null || !('_zod' in schema)) return null;
  try {
    return z.toJSONSchema(schema as unknown as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >;
  } catch {
    return null;
  }
}
