import type { StandardSchemaV1 } from '@standard-schema/spec';
import { holdfastError } from '../errors/holdfast-error.js';

/**
 * Checks a job's input with the pipeline's Standard Schema validator (zod, valibot, arktype…) and
 * returns the validated value. Every problem is reported with its dotted path, the first one in
 * `field`, so a 400 says exactly which field to fix.
 */
export async function validateInput<I>(
  schema: StandardSchemaV1<unknown, I> | undefined,
  value: unknown,
): Promise<I> {
  if (schema === undefined) {
    assertJson(value);
    return value as I;
  }
  const result = await schema['~standard'].validate(value);
  if (result.issues) {
    const issues = result.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message }));
    throw holdfastError('VALIDATION_ERROR', { field: issues[0]?.path ?? '', issues, subject: 'input' });
  }
  assertJson(result.value);
  return result.value;
}

function issuePath(path: StandardSchemaV1.Issue['path']): string {
  if (!path) return '';
  return path
    .map((segment) =>
      typeof segment === 'object' && segment !== null && 'key' in segment ? segment.key : segment,
    )
    .map(String)
    .join('.');
}

/** Inputs are stored as JSON: refuse what would not survive the trip (BigInt, cycles, functions). */
function assertJson(value: unknown): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw holdfastError('VALIDATION_ERROR', {
      field: '',
      issues: [{ path: '', message: `cannot be stored as JSON: ${(error as Error).message}` }],
      subject: 'input',
    });
  }
  if (text === undefined) {
    throw holdfastError('VALIDATION_ERROR', {
      field: '',
      issues: [{ path: '', message: 'input is required (got undefined or a function)' }],
      subject: 'input',
    });
  }
}
