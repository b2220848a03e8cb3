import { type HoldfastError, holdfastError } from './holdfast-error.js';

/**
 * The error for an invalid option, whichever layer checks it: CONFIG_INVALID naming the option,
 * what is wrong in English and French, the value received and where it came from. Options are
 * checked at construction, so a bad configuration fails before anything starts.
 *
 * `configError('worker.concurrency', ['must be an integer from 1 to 10000', 'doit être un entier de 1 à 10 000'], -1)`
 */
export function configError(
  option: string,
  problem: readonly [english: string, french: string],
  value?: unknown,
  source?: string,
): HoldfastError<'CONFIG_INVALID'> {
  return holdfastError('CONFIG_INVALID', {
    option,
    problem: problem[0],
    problemFr: problem[1],
    value: value === undefined ? undefined : describeValue(value),
    source,
  });
}

/** A short, safe rendering of the value received (never a whole object, never a secret's tail). */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value;
}
