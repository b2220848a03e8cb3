import type { StandardSchemaV1 } from '@standard-schema/spec';
import { holdfastError } from '../errors/holdfast-error.js';
import { toValidationIssue } from '../errors/validation-issue.js';

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
    // Each issue keeps its description (zod's code, bounds, format…) so it can be written in French.
    const issues = result.issues.map((issue) => toValidationIssue(issue, value));
    throw holdfastError('VALIDATION_ERROR', { field: issues[0]?.path ?? '', issues, subject: 'input' });
  }
  assertJson(result.value);
  return result.value;
}

/** Inputs are stored as JSON: refuse what would not survive the trip (BigInt, cycles, functions). */
function assertJson(value: unknown): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw holdfastError('VALIDATION_ERROR', {
      field: '',
      issues: [
        {
          path: '',
          message: `cannot be stored as JSON: ${(error as Error).message}`,
          messageFr: `impossible de l'enregistrer en JSON : ${jsonProblemFr(error)}`,
        },
      ],
      subject: 'input',
    });
  }
  if (text === undefined) {
    throw holdfastError('VALIDATION_ERROR', {
      field: '',
      issues: [
        {
          path: '',
          message: 'input is required (got undefined or a function)',
          messageFr: 'elle est obligatoire (reçu : undefined ou une fonction)',
        },
      ],
      subject: 'input',
    });
  }
}

/** Why JSON.stringify refused the input, in French: the two cases it has. */
function jsonProblemFr(error: unknown): string {
  const message = (error as Error).message ?? '';
  if (/circular/i.test(message)) return 'elle contient une référence circulaire';
  if (/bigint/i.test(message)) return 'elle contient un BigInt';
  return 'une valeur ne se convertit pas en JSON';
}
