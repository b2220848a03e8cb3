import { z } from 'zod';
import { jobStates } from '../../runtime/job.js';

/** The envelope of every non-2xx answer. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable error code, e.g. QUOTA_EXCEEDED'),
      message: z.string().describe("One line, in the caller's language (Accept-Language)"),
      details: z.record(z.string(), z.unknown()).describe('The facts: balances, fields, limits…'),
      recommendations: z.array(z.string()).describe('What to do next, in the caller’s language'),
      retryable: z.boolean(),
    }),
  })
  .meta({ id: 'Error' });

export const jobStateSchema = z.enum(jobStates);

/** A job id, or a unique prefix of one. */
export const jobIdParams = z.object({
  id: z.string().min(1).max(36).describe('A full job id, or a unique prefix of one (with or without dashes)'),
});

/** Numbers in query strings arrive as text. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Repeated (`?state=a&state=b`) or comma-separated (`?state=a,b`) query values. */
export const queryList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter(Boolean),
    )
    .pipe(z.array(item).max(50));

export const tenantSchema = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,127}$/, {
  error: "1–128 letters, digits, '.', '_', ':', '@' or '-'",
});

export const errorDescriptions: Record<number, string> = {
  400: 'Invalid request: the fields at fault are named in `details.issues` (nothing was stored)',
  401: 'No credential, or a wrong, revoked or expired one',
  403: 'The credential is valid but may not do this',
  404: 'No such job, pipeline or route — or one that belongs to another tenant',
  409: 'The resource is not in a state that allows this',
  413: 'The body is larger than the server accepts',
  415: 'The body is not JSON',
  429: 'A budget refusal: X-Token-Balance, X-Token-Required, X-Token-Deficit and, when waiting helps, Retry-After',
  503: 'The database is unreachable, the schema is not migrated, or the process is shutting down (Retry-After)',
};
