/** The part of JSON Schema (2020-12, as zod writes it) that input forms are built from. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** How a field is edited. Anything the form cannot edit field by field is edited as JSON text. */
export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'object' | 'json';

export function fieldKind(schema: JsonSchema): FieldKind {
  if (schema.enum?.every((v) => typeof v === 'string')) return 'enum';
  const type = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [schema.type];
  if (type.length !== 1) return 'json';
  switch (type[0]) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'object':
      return schema.properties ? 'object' : 'json';
    default:
      return 'json';
  }
}

/** What the reader typed, per field path (`pages`, `address.city`): text, or a checkbox's state. */
export type RawValues = Readonly<Record<string, string | boolean>>;

/** Validation messages, in the reader's language. */
export interface ValidationMessages {
  required: string;
  number: string;
  integer: string;
  min(n: string): string;
  max(n: string): string;
  above(n: string): string;
  below(n: string): string;
  multipleOf(n: string): string;
  minLength(n: number): string;
  maxLength(n: number): string;
  pattern: string;
  email: string;
  url: string;
  enumValue: string;
  json: string;
}

/**
 * Turns what was typed into the input the pipeline takes, checking it against the schema as the
 * server will, with messages in the reader's language. Returns the input and the errors by path.
 */
export function readForm(
  schema: JsonSchema,
  raw: RawValues,
  messages: ValidationMessages,
  formatNumber: (n: number) => string,
): { value: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const readObject = (s: JsonSchema, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(s.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const required = s.required?.includes(name) ?? false;
      const value = readField(child, path, required);
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
  const readField = (s: JsonSchema, path: string, required: boolean): unknown => {
    const kind = fieldKind(s);
    if (kind === 'object') return readObject(s, path);
    const typed = raw[path];
    if (kind === 'boolean') return typed === true;
    const text = typeof typed === 'string' ? typed : '';
    if (text.trim() === '') {
      if (required) errors[path] = messages.required;
      return undefined;
    }
    switch (kind) {
      case 'number':
      case 'integer': {
        const n = Number(text.trim().replace(',', '.'));
        if (!Number.isFinite(n)) return fail(path, messages.number);
        if (kind === 'integer' && !Number.isInteger(n)) return fail(path, messages.integer);
        if (s.minimum !== undefined && n < s.minimum)
          return fail(path, messages.min(formatNumber(s.minimum)));
        if (s.maximum !== undefined && n > s.maximum)
          return fail(path, messages.max(formatNumber(s.maximum)));
        if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum)
          return fail(path, messages.above(formatNumber(s.exclusiveMinimum)));
        if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum)
          return fail(path, messages.below(formatNumber(s.exclusiveMaximum)));
        if (s.multipleOf !== undefined && Math.abs(n / s.multipleOf - Math.round(n / s.multipleOf)) > 1e-9)
          return fail(path, messages.multipleOf(formatNumber(s.multipleOf)));
        return n;
      }
      case 'string': {
        const length = [...text].length;
        if (s.minLength !== undefined && length < s.minLength)
          return fail(path, messages.minLength(s.minLength));
        if (s.maxLength !== undefined && length > s.maxLength)
          return fail(path, messages.maxLength(s.maxLength));
        if (s.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text))
          return fail(path, messages.email);
        if ((s.format === 'uri' || s.format === 'url') && !URL.canParse(text))
          return fail(path, messages.url);
        if (s.pattern !== undefined && !safeRegExp(s.pattern)?.test(text))
          return fail(path, messages.pattern);
        return text;
      }
      case 'enum':
        if (!s.enum?.includes(text)) return fail(path, messages.enumValue);
        return text;
      case 'json':
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return fail(path, messages.json);
        }
      default:
        return undefined;
    }
  };
  const fail = (path: string, message: string) => {
    errors[path] = message;
    return undefined;
  };
  return { value: readObject(schema, ''), errors };
}

/** Initial values: the schema's defaults, as text. */
export function defaults(schema: JsonSchema, prefix = ''): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const kind = fieldKind(child);
    if (kind === 'object') Object.assign(out, defaults(child, path));
    else if (kind === 'boolean') out[path] = child.default === true;
    else if (child.default !== undefined)
      out[path] = kind === 'json' ? JSON.stringify(child.default) : String(child.default);
  }
  return out;
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}
