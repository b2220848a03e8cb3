/**
 * One problem found in a value, as VALIDATION_ERROR carries it. `message` is the validator's own
 * text (zod's English default, or the schema author's words); the other fields describe the
 * problem itself, the way zod 4 reports it, so that it can be written in any language later —
 * even from a job's stored error — without a global locale switch in zod.
 */
export interface ValidationIssue {
  /** Dotted path of the offending field, '' for the value itself. */
  readonly path: string;
  readonly message: string;
  /** The message in French, when Holdfast wrote it (its own checks, not a validator's). */
  readonly messageFr?: string | undefined;
  /** zod's issue code: invalid_type, too_small, too_big, invalid_format, invalid_value… */
  readonly code?: string | undefined;
  /** invalid_type: the type expected, and the type of what was received ('undefined': missing). */
  readonly expected?: string | undefined;
  readonly received?: string | undefined;
  /** too_small / too_big: the bound, whether it is allowed, and what was measured (string, array, number…). */
  readonly minimum?: number | undefined;
  readonly maximum?: number | undefined;
  readonly inclusive?: boolean | undefined;
  readonly origin?: string | undefined;
  /** invalid_format: the format (email, url, datetime, regex, starts_with…) and its parameter. */
  readonly format?: string | undefined;
  readonly pattern?: string | undefined;
  readonly prefix?: string | undefined;
  readonly suffix?: string | undefined;
  readonly includes?: string | undefined;
  /** not_multiple_of */
  readonly divisor?: number | undefined;
  /** invalid_value: the values allowed; unrecognized_keys: the keys that were not. */
  readonly values?: readonly string[] | undefined;
  readonly keys?: readonly string[] | undefined;
}

/** What a Standard Schema validator reports; zod adds the describing fields to each issue. */
export interface ReportedIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * A validator's issue as a ValidationIssue: its path made dotted, the describing fields kept when
 * they are plain values, and for a wrong type what was actually received (read from `root`).
 */
export function toValidationIssue(reported: ReportedIssue, root: unknown): ValidationIssue {
  const issue = reported as ReportedIssue & Readonly<Record<string, unknown>>;
  const keys = (issue.path ?? []).map((segment) =>
    typeof segment === 'object' && segment !== null && 'key' in segment ? segment.key : segment,
  );
  const text = (name: string) => (typeof issue[name] === 'string' ? (issue[name] as string) : undefined);
  const number = (name: string) => {
    const value = issue[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'bigint') return Number(value);
    return undefined;
  };
  const list = (name: string) =>
    Array.isArray(issue[name])
      ? (issue[name] as unknown[]).map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))))
      : undefined;
  const code = text('code');
  const pattern = issue.pattern instanceof RegExp ? String(issue.pattern) : text('pattern');
  return stripUndefined({
    path: keys.map(String).join('.'),
    message: issue.message,
    code,
    expected: text('expected'),
    received: code === 'invalid_type' ? kindOf(valueAt(root, keys)) : undefined,
    minimum: number('minimum'),
    maximum: number('maximum'),
    inclusive: typeof issue.inclusive === 'boolean' ? issue.inclusive : undefined,
    origin: text('origin'),
    format: text('format'),
    pattern: code === 'invalid_format' && text('format') === 'regex' ? pattern : undefined,
    prefix: text('prefix'),
    suffix: text('suffix'),
    includes: text('includes'),
    divisor: number('divisor'),
    values: list('values'),
    keys: list('keys'),
  });
}

/** The value at a path of keys, or undefined if the path leads nowhere. */
function valueAt(root: unknown, keys: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** The kind of a value, in zod's vocabulary (array, null, nan and date told apart). */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number' && Number.isNaN(value)) return 'nan';
  return typeof value;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
