import { createHash } from 'node:crypto';

/**
 * A stable hash of a JSON value: object keys are sorted, so `{a:1,b:2}` and `{b:2,a:1}` are the
 * same input. Used to tell "the same request again" from "another request with the same key".
 */
export function inputHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function idempotencyScope(pipeline: string, tenant: string | null): string {
  // Pipeline names cannot contain "/", so the pair is unambiguous.
  return `${pipeline}/${tenant ?? ''}`;
}

/** Idempotency keys are opaque, bounded strings. */
export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new RangeError(
      `idempotencyKey must be a string of 1 to 255 characters, got ${JSON.stringify(key)}`,
    );
  }
  return key;
}
