import { words } from './generator.js';

type Schema = Record<string, unknown>;

/** Nesting past which optional structure is left out, so recursive schemas end. */
const maxDepth = 6;

/**
 * A deterministic value that satisfies a JSON Schema, for structured outputs and tool arguments:
 * OpenAI's `json_schema` (draft-07/2020-12 as zod and the SDKs' helpers write it, with `$defs`
 * and `$ref`), Anthropic's `input_schema`, and Gemini's OpenAPI subset (upper-case types,
 * `nullable`). Honoured: type (or a list of types), properties, required, items, min/max items,
 * enum, const, anyOf/oneOf/allOf, min/max length, minimum/maximum (exclusive too), multipleOf, and
 * the common string formats. A `pattern` without a known format is not honoured: no regex
 * inversion here.
 */
export function jsonFromSchema(schema: unknown, random: () => number): unknown {
  return new Builder(asSchema(schema), random).value(asSchema(schema), 0);
}

/** The JSON object a model writes for `json_object` mode: a few named fields of prose and figures. */
export function freeJsonObject(random: () => number): Record<string, unknown> {
  return {
    summary: sentence(random, 8),
    items: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      name: sentence(random, 2),
      score: Math.round(random() * 100) / 10,
    })),
    confident: random() < 0.5,
  };
}

class Builder {
  constructor(
    private readonly root: Schema,
    private readonly random: () => number,
  ) {}

  value(schema: Schema, depth: number): unknown {
    if (typeof schema.$ref === 'string') return this.value(this.resolve(schema.$ref), depth + 1);
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return this.pick(schema.enum);
    const variants = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
    if (Array.isArray(variants) && variants.length > 0) {
      // Prefer a variant with content over `null`, unless the structure is already deep.
      const useful = variants.map(asSchema).filter((v) => typeOf(v) !== 'null');
      return this.value(depth >= maxDepth || useful.length === 0 ? asSchema(variants[0]) : useful[0]!, depth);
    }
    if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
      return this.value(Object.assign({}, ...schema.allOf.map(asSchema), { allOf: undefined }), depth);
    }
    if (schema.nullable === true && depth >= maxDepth) return null;
    switch (typeOf(schema)) {
      case 'object':
        return this.object(schema, depth);
      case 'array':
        return this.array(schema, depth);
      case 'string':
        return this.string(schema);
      case 'integer':
        return this.number(schema, true);
      case 'number':
        return this.number(schema, false);
      case 'boolean':
        return this.random() < 0.5;
      case 'null':
        return null;
      default:
        return sentence(this.random, 3);
    }
  }

  private object(schema: Schema, depth: number): Record<string, unknown> {
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const out: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(properties)) {
      // Optional fields are filled too, except deep down where they could recurse forever.
      if (depth >= maxDepth && !required.has(name)) continue;
      out[name] = this.value(asSchema(property), depth + 1);
    }
    return out;
  }

  private array(schema: Schema, depth: number): unknown[] {
    const min = integerOr(schema.minItems, 0);
    const max = integerOr(schema.maxItems, Math.max(min, 3));
    const wanted = depth >= maxDepth ? min : Math.max(min, 1) + Math.floor(this.random() * 2);
    const count = Math.min(max, wanted);
    const items = asSchema(schema.items);
    return Array.from({ length: count }, () => this.value(items, depth + 1));
  }

  private string(schema: Schema): string {
    const day = 86_400_000;
    const date = new Date(Date.UTC(2026, 0, 1) + Math.floor(this.random() * 365) * day);
    switch (schema.format) {
      case 'date-time':
        return date.toISOString().replace('.000Z', 'Z');
      case 'date':
        return date.toISOString().slice(0, 10);
      case 'time':
        return date.toISOString().slice(11, 19);
      case 'email':
        return `${words(this.random, 1)[0]}.${words(this.random, 1)[0]}@example.com`;
      case 'uri':
      case 'url':
        return `https://example.com/${words(this.random, 2).join('-')}`;
      case 'uuid': {
        const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16)).join('');
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
      }
      case 'ipv4':
        return Array.from({ length: 4 }, () => Math.floor(this.random() * 256)).join('.');
      default: {
        const min = integerOr(schema.minLength, 0);
        const max = integerOr(schema.maxLength, Number.POSITIVE_INFINITY);
        let text = sentence(this.random, 1 + Math.floor(this.random() * 4));
        while (text.length < min) text += ` ${words(this.random, 1)[0]}`;
        return text.length > max ? text.slice(0, max) : text;
      }
    }
  }

  private number(schema: Schema, integer: boolean): number {
    const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
    const exclusiveMax = typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
    let low = typeof schema.minimum === 'number' ? schema.minimum : (exclusiveMin ?? 0);
    let high = typeof schema.maximum === 'number' ? schema.maximum : (exclusiveMax ?? low + 1000);
    if (integer) {
      low = exclusiveMin !== undefined && low === exclusiveMin ? Math.floor(low) + 1 : Math.ceil(low);
      high = exclusiveMax !== undefined && high === exclusiveMax ? Math.ceil(high) - 1 : Math.floor(high);
      return high < low ? low : low + Math.floor(this.random() * (high - low + 1));
    }
    const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : 0.01;
    const steps = Math.max(0, Math.floor((high - low) / step));
    let value = Math.ceil(low / step) * step + Math.floor(this.random() * (steps + 1)) * step;
    if (value > high) value = high;
    if (exclusiveMin !== undefined && value <= exclusiveMin) value = exclusiveMin + step;
    if (exclusiveMax !== undefined && value >= exclusiveMax) value = exclusiveMax - step;
    return Number(value.toFixed(6));
  }

  private resolve(ref: string): Schema {
    if (ref === '#') return this.root;
    // '#/$defs/Lot', '#/definitions/Lot', '#/properties/lots/items'.
    let node: unknown = this.root;
    for (const part of ref.replace(/^#\//, '').split('/')) {
      node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return asSchema(node);
  }

  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.random() * values.length)]!;
  }
}

function asSchema(value: unknown): Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Schema) : {};
}

/** The schema's type, lower-case (Gemini writes 'OBJECT'), the first non-null one of a list. */
function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type.toLowerCase();
  if (Array.isArray(type)) {
    const types = type.map((t) => String(t).toLowerCase());
    return types.find((t) => t !== 'null') ?? types[0];
  }
  if (schema.properties !== undefined) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

function integerOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

function sentence(random: () => number, count: number): string {
  return words(random, count).join(' ');
}
