import type { Sql } from '../../store/store.js';

export interface TenantUsageRow {
  readonly day: string;
  readonly provider: string;
  /** '' for calls made without a tenant. */
  readonly tenant: string;
  readonly meter: string;
  readonly calls: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
}

/**
 * Daily usage per day × provider × tenant × meter, from the ledger's daily roll-up (the same rows
 * `hf.budgets.usage()` sums per provider). Kept in one place: it is the server's only read of the
 * ledger's tables.
 */
export async function usageByTenant(
  sql: Sql,
  range: { from: string; to: string; tenant?: string | undefined },
): Promise<TenantUsageRow[]> {
  const params: unknown[] = [range.from, range.to];
  if (range.tenant !== undefined) params.push(range.tenant);
  const { rows } = await sql.query<{
    day: string;
    provider: string;
    tenant: string;
    meter: string;
    calls: number;
    tokens_in: number;
    tokens_out: number;
    cost_usd: number;
  }>(
    `select day::text as day, provider, tenant, meter, sum(calls)::int8 as calls, sum(tokens_in)::int8 as tokens_in,
            sum(tokens_out)::int8 as tokens_out, sum(cost_usd) as cost_usd
       from holdfast.usage_daily
      where day between $1::date and $2::date ${range.tenant === undefined ? '' : 'and tenant = $3'}
      group by 1, provider, tenant, meter order by 1, provider, tenant, meter`,
    params,
  );
  return rows.map((r) => ({
    day: r.day,
    provider: r.provider,
    tenant: r.tenant,
    meter: r.meter,
    calls: r.calls,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    costUsd: r.cost_usd,
  }));
}
