import { z } from 'zod';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { Locale } from '../../errors/recommendations.js';

const frenchErrors = z.locales.fr().localeError;

/**
 * Checks one part of a request against its schema. A failure is VALIDATION_ERROR naming every
 * offending field by its full path (`body.input.pages`, `query.limit`), in the caller's language.
 */
export function validateRequestPart<T>(
  schema: z.ZodType<T>,
  value: unknown,
  part: 'params' | 'query' | 'body' | 'headers',
  locale: Locale,
): T {
  const result = schema.safeParse(value, locale === 'fr' ? { error: frenchErrors } : undefined);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw holdfastError('VALIDATION_ERROR', {
    field: issues[0]?.path ?? part,
    issues,
    subject: 'request',
  });
}
