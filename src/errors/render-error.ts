import type { ErrorCode } from './error-codes.js';
import type { Locale } from './format.js';
import { holdfastError, isHoldfastError } from './holdfast-error.js';

/** An error as a person reads it, in one language. */
export interface RenderedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly recommendations: readonly string[];
}

/**
 * Any error as a code, a message and recommendations in `locale` — what the CLI prints with
 * `--lang fr` and what a server answers for `Accept-Language: fr`. A value that is not a
 * HoldfastError is reported as INTERNAL with its message, never as a stack trace.
 */
export function renderError(error: unknown, locale: Locale = 'en'): RenderedError {
  const known = isHoldfastError(error)
    ? error
    : holdfastError('INTERNAL', {
        reason: error instanceof Error ? error.message || error.name : String(error),
      });
  return {
    code: known.code,
    message: known.localMessage(locale),
    recommendations: known.recommendations(locale),
  };
}

/**
 * The same as text for a terminal: `CODE: message` then one `  - recommendation` per line, each
 * line ending with a newline.
 */
export function formatError(error: unknown, locale: Locale = 'en'): string {
  const rendered = renderError(error, locale);
  return [
    `${rendered.code}: ${rendered.message}\n`,
    ...rendered.recommendations.map((line) => `  - ${line}\n`),
  ].join('');
}
