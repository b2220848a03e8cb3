import { type ErrorCode, errorCodes, isErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { defaultMessage, localizedMessage } from './messages.js';
import { type Locale, recommend } from './recommendations.js';

/** Marks Holdfast errors so that `isHoldfastError` works across two copies of the package. */
const brand = Symbol.for('holdfast.error');

export interface HoldfastErrorOptions {
  /** Overrides the catalogue's message; the recommendations still come from the catalogue. */
  readonly message?: string | undefined;
  /** Overrides the code's default (e.g. a 409 from a provider is retryable, most 4xx are not). */
  readonly retryable?: boolean | undefined;
  /** How long the failing party asked us to wait before trying again. */
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

/** The serialised form: what the HTTP API answers, what a job's `error` column stores. */
export interface HoldfastErrorJSON {
  readonly name: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: Record<string, unknown>;
  readonly recommendations: readonly string[];
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/**
 * The one error type of Holdfast. Every failure a user can see is one of these: a stable `code`,
 * the facts in `details`, and `recommendations` written from those facts, in English or French.
 */
export class HoldfastError<C extends ErrorCode = ErrorCode> extends Error {
  declare readonly [brand]: true;
  readonly code: C;
  readonly details: ErrorDetailsMap[C];
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: C, details: ErrorDetailsMap[C], options: HoldfastErrorOptions = {}) {
    super(
      options.message ?? defaultMessage(code, details),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    Object.defineProperty(this, brand, { value: true });
    this.name = 'HoldfastError';
    this.code = code;
    this.details = details;
    this.retryable = options.retryable ?? errorCodes[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The HTTP status an API answers with for this error. */
  get status(): number {
    return errorCodes[this.code].status;
  }

  /** What to do next, from the catalogue, in the given language. */
  recommendations(locale: Locale = 'en'): string[] {
    return recommend(this.code, this.details, locale);
  }

  /**
   * The message in the given language: the catalogue's own, translated; a message the thrower
   * wrote (a NonRetriableError's, a step's exception) is theirs and stays as written.
   */
  localMessage(locale: Locale = 'en'): string {
    return localizedMessage(this, locale);
  }

  /**
   * The serialised form; JSON.stringify calls this with a property key, hence the loose argument.
   * Stored errors are serialised in English, so that fromJSON knows the catalogue's message again.
   */
  toJSON(locale?: unknown): HoldfastErrorJSON {
    return this.serialize(locale === 'fr' ? 'fr' : 'en');
  }

  serialize(locale: Locale = 'en'): HoldfastErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.localMessage(locale),
      details: { ...this.details } as Record<string, unknown>,
      recommendations: this.recommendations(locale),
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }

  /** Rebuilds an error from its JSON (a job's stored error, an API answer). */
  static fromJSON(json: unknown): HoldfastError {
    const value = (json ?? {}) as Partial<HoldfastErrorJSON>;
    const code = isErrorCode(value.code) ? value.code : 'INTERNAL';
    const details = (value.details ?? {}) as ErrorDetailsMap[typeof code];
    return new HoldfastError(code, details, {
      message: typeof value.message === 'string' ? value.message : undefined,
      retryable: typeof value.retryable === 'boolean' ? value.retryable : undefined,
      retryAfterMs: typeof value.retryAfterMs === 'number' ? value.retryAfterMs : undefined,
    });
  }
}

/** True for any Holdfast error, even one created by another copy of the package. */
export function isHoldfastError(value: unknown): value is HoldfastError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Narrows to one code: `hasCode(e, 'STEP_TIMEOUT')` gives typed `e.details`. */
export function hasCode<C extends ErrorCode>(value: unknown, code: C): value is HoldfastError<C> {
  return isHoldfastError(value) && value.code === code;
}

/** Creates an error; the catalogue supplies the message and recommendations. */
export function holdfastError<C extends ErrorCode>(
  code: C,
  details: ErrorDetailsMap[C],
  options?: HoldfastErrorOptions,
): HoldfastError<C> {
  return new HoldfastError(code, details, options);
}

/**
 * Thrown by user code to say "this will never work, do not retry": the job fails at once.
 * Example: the document is not a PDF.
 */
export class NonRetriableError extends HoldfastError<'STEP_FAILED'> {
  constructor(
    message: string,
    options: { cause?: unknown; details?: Partial<ErrorDetailsMap['STEP_FAILED']> } = {},
  ) {
    super(
      'STEP_FAILED',
      { name: 'NonRetriableError', ...options.details },
      {
        message,
        retryable: false,
        cause: options.cause,
      },
    );
    this.name = 'NonRetriableError';
  }
}

/**
 * Thrown by user code to say "try again, but not before `retryAfterMs`". The runtime parks the job
 * durably until then, or fails it at once if that moment is past the job's deadline.
 */
export class RetryAfterError extends HoldfastError<'STEP_FAILED'> {
  constructor(retryAfterMs: number, message?: string, options: { cause?: unknown } = {}) {
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      throw new RangeError(
        `RetryAfterError: retryAfterMs must be a non-negative number, got ${retryAfterMs}`,
      );
    }
    super(
      'STEP_FAILED',
      { name: 'RetryAfterError' },
      {
        message: message ?? `Asked to retry after ${Math.round(retryAfterMs)} ms`,
        retryable: true,
        retryAfterMs,
        cause: options.cause,
      },
    );
    this.name = 'RetryAfterError';
  }
}

/**
 * Turns anything thrown into a HoldfastError. Holdfast errors pass through; other errors become
 * STEP_FAILED (retryable, since we cannot tell) with their message kept. A thrown value that is
 * not an Error (`throw { code: 42 }`, a string, a number) keeps what it says: its JSON, cut to
 * `thrownTextLimit` characters, never `[object Object]`.
 */
export function toHoldfastError(
  value: unknown,
  context: { step?: string; jobId?: string } = {},
): HoldfastError {
  if (isHoldfastError(value)) return value;
  const error = value instanceof Error ? value : undefined;
  const name = error ? error.name : thrownName(value);
  return new HoldfastError(
    'STEP_FAILED',
    { step: context.step, jobId: context.jobId, name },
    { message: error ? error.message || error.name : describeThrown(value), cause: value },
  );
}

/** Longest rendering of a thrown non-Error value kept in a message. */
export const thrownTextLimit = 500;

/** What a thrown non-Error value says: strings as they are, anything else as JSON, truncated. */
export function describeThrown(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value === '' ? '(an empty string was thrown)' : value;
  else if (value === undefined) text = 'undefined was thrown';
  else if (typeof value === 'function') text = `a function was thrown (${value.name || 'anonymous'})`;
  else if (typeof value === 'symbol' || typeof value === 'bigint') text = String(value);
  else text = safeJson(value);
  return text.length > thrownTextLimit ? `${text.slice(0, thrownTextLimit - 1)}…` : text;
}

function thrownName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const className = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof className === 'string' && className !== '' ? className : 'Object';
}

/** JSON that survives what JSON.stringify refuses: cycles, bigints, Maps, Sets, nested errors. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'function' || typeof v === 'symbol') return String(v);
        if (v instanceof Error) return { name: v.name, message: v.message };
        if (v instanceof Map) return Object.fromEntries(v);
        if (v instanceof Set) return [...v];
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value)
    );
  } catch {
    // A getter that throws, or a toJSON that does: fall back to what String makes of it.
    return String(value);
  }
}
