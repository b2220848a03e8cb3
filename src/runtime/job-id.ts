import { holdfastError } from '../errors/holdfast-error.js';
import type { Sql } from '../store/store.js';

const fullId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Shown in an AMBIGUOUS_ID error: enough to pick from, never a whole table. */
const maxMatches = 5;

/**
 * The job id a person typed: a full id, or a unique prefix of one (`jobs show 019a7c3e-1f`), with
 * or without its dashes. The prefix becomes a range of the primary key, so resolving it reads
 * the index, never the table. `tenant` narrows the search to that tenant's jobs, so that an
 * ambiguity never reveals another tenant's ids.
 *
 * Throws NOT_FOUND when nothing matches (or the text cannot be part of an id) and AMBIGUOUS_ID,
 * listing the first matches, when several do.
 */
export async function resolveJobId(sql: Sql, text: string, scope: { tenant?: string } = {}): Promise<string> {
  const typed = typeof text === 'string' ? text.trim().toLowerCase() : '';
  if (fullId.test(typed) && scope.tenant === undefined) return typed;
  const hex = typed.replaceAll('-', '');
  if (hex.length === 0 || hex.length > 32 || !/^[0-9a-f]+$/.test(hex) || !dashesFit(typed)) {
    throw holdfastError('NOT_FOUND', { kind: 'job', id: String(text) });
  }
  const params: unknown[] = [asUuid(hex.padEnd(32, '0')), asUuid(hex.padEnd(32, 'f')), maxMatches + 1];
  if (scope.tenant !== undefined) params.push(scope.tenant);
  const { rows } = await sql.query<{ id: string }>(
    `select id from holdfast.jobs where id between $1::uuid and $2::uuid
        ${scope.tenant === undefined ? '' : 'and tenant = $4'}
      order by id limit $3`,
    params,
  );
  if (rows.length === 0) throw holdfastError('NOT_FOUND', { kind: 'job', id: String(text) });
  if (rows.length > 1) {
    throw holdfastError('AMBIGUOUS_ID', {
      kind: 'job',
      prefix: typed,
      matches: rows.slice(0, maxMatches).map((r) => r.id),
      more: rows.length > maxMatches,
    });
  }
  return rows[0]!.id;
}

/** Typed with dashes, they must sit where a UUID has them (8-4-4-4-12); typed without, none. */
function dashesFit(typed: string): boolean {
  if (!typed.includes('-')) return true;
  const dashAt = new Set([8, 13, 18, 23]);
  for (let i = 0; i < typed.length; i++) if ((typed[i] === '-') !== dashAt.has(i)) return false;
  return true;
}

function asUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
