/**
 * An error raised by the database, with PostgreSQL's SQLSTATE `code` (e.g. '23505' for a unique
 * violation) whichever store raised it.
 */
export class DatabaseError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly hint: string | undefined;

  constructor(
    fields: {
      message: string;
      code?: unknown;
      detail?: unknown;
      constraint?: unknown;
      table?: unknown;
      column?: unknown;
      hint?: unknown;
    },
    query?: string,
  ) {
    super(
      query ? `${fields.message} (in: ${query.replace(/\s+/g, ' ').trim().slice(0, 200)})` : fields.message,
    );
    this.name = 'DatabaseError';
    this.code = typeof fields.code === 'string' ? fields.code : undefined;
    this.detail = typeof fields.detail === 'string' ? fields.detail : undefined;
    this.constraint = typeof fields.constraint === 'string' ? fields.constraint : undefined;
    this.table = typeof fields.table === 'string' ? fields.table : undefined;
    this.column = typeof fields.column === 'string' ? fields.column : undefined;
    this.hint = typeof fields.hint === 'string' ? fields.hint : undefined;
  }
}

export const sqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === sqlState.uniqueViolation;
}
