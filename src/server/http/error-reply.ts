import { errorCodes } from '../../errors/error-codes.js';
import { type HoldfastError, holdfastError, isHoldfastError } from '../../errors/holdfast-error.js';
import { localizedMessage } from '../../errors/messages.js';
import type { Locale } from '../../errors/recommendations.js';

/** The body of every non-2xx answer. */
export interface ErrorEnvelope {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Record<string, unknown>;
    readonly recommendations: readonly string[];
    readonly retryable: boolean;
  };
}

export interface ErrorReply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: ErrorEnvelope;
}

/** How long a client should wait before trying again when the database is away. */
const databaseRetryAfterS = 5;

/**
 * The answer for an error: its code's status, the envelope in the caller's language, and the
 * headers that let a client act without parsing the body — `X-Token-Balance`, `X-Token-Required`,
 * `X-Token-Deficit` on budget refusals, and `Retry-After` (seconds) whenever waiting helps: a
 * budget that resets or refills enough, a database that comes back, a process that restarts.
 */
export function errorReply(error: HoldfastError, locale: Locale, now: number): ErrorReply {
  const headers: Record<string, string> = { 'content-language': locale };
  const retryAfterS = retryAfterSeconds(error, now);
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS);
  Object.assign(headers, tokenHeaders(error));
  if (error.code === 'SHUTTING_DOWN') headers.connection = 'close';
  return {
    status: errorCodes[error.code].status,
    headers,
    body: {
      error: {
        code: error.code,
        message: localizedMessage(error, locale),
        details: { ...(error.details as Record<string, unknown>) },
        recommendations: error.recommendations(locale),
        retryable: error.retryable,
      },
    },
  };
}

/** Anything thrown while answering, as a HoldfastError; the unexpected becomes INTERNAL. */
export function asHoldfastError(error: unknown): { error: HoldfastError; unexpected: boolean } {
  if (isHoldfastError(error)) return { error, unexpected: false };
  return {
    error: holdfastError('INTERNAL', { reason: 'unexpected error while answering' }),
    unexpected: true,
  };
}

function tokenHeaders(error: HoldfastError): Record<string, string> {
  switch (error.code) {
    case 'QUOTA_EXCEEDED':
    case 'INSUFFICIENT_TOKENS': {
      const d = error.details as { balance: number; required: number; deficit: number };
      return {
        'x-token-balance': String(d.balance),
        'x-token-required': String(d.required),
        'x-token-deficit': String(d.deficit),
      };
    }
    case 'JOB_TOO_EXPENSIVE': {
      // The pipeline's cap is all a single job may ever have: that is its balance here.
      const d = error.details as { estimate: number; cap: number; excess: number };
      return {
        'x-token-balance': String(d.cap),
        'x-token-required': String(d.estimate),
        'x-token-deficit': String(d.excess),
      };
    }
    default:
      return {};
  }
}

/** Seconds until trying again can succeed, or undefined when waiting cannot help. */
export function retryAfterSeconds(error: HoldfastError, now: number): number | undefined {
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  switch (error.code) {
    case 'QUOTA_EXCEEDED': {
      const d = error.details as { resetAt?: string; required: number; limit: number };
      // A reset gives back the whole limit: it helps only a job that fits in it.
      if (d.resetAt === undefined || d.required > d.limit) return undefined;
      return seconds(Date.parse(d.resetAt) - now);
    }
    case 'INSUFFICIENT_TOKENS': {
      const d = error.details as {
        resetAt?: string;
        deficit: number;
        refill?: { amount: number; everyMs: number };
      };
      if (d.resetAt === undefined) return undefined;
      const first = Date.parse(d.resetAt) - now;
      if (!d.refill || d.refill.amount <= 0) return seconds(first);
      // The first refill comes at resetAt, the next ones every `everyMs`.
      return seconds(first + (Math.ceil(d.deficit / d.refill.amount) - 1) * d.refill.everyMs);
    }
    case 'DATABASE_UNAVAILABLE':
      return error.retryAfterMs === undefined ? databaseRetryAfterS : seconds(error.retryAfterMs);
    case 'SHUTTING_DOWN': {
      const d = error.details as { retryAfterMs?: number };
      return seconds(d.retryAfterMs ?? 1000);
    }
    default:
      return error.retryAfterMs === undefined || !error.retryable ? undefined : seconds(error.retryAfterMs);
  }
}
