import type { Sql } from '../store/store.js';
import { type Account, available, effectiveLimit, nextResetAt, rollOver, usedFraction } from './account.js';
import type { ResolvedBudgets } from './budget-config.js';
import { scopesOf } from './ledger.js';
import { accountFromRow } from './working-set.js';

export interface AccountStatus {
  readonly scope: string;
  readonly meter: string;
  readonly period: string;
  readonly used: number;
  readonly limit: number;
  readonly reserved: number;
  /** What can still be reserved. */
  readonly remaining: number;
  readonly percent: number;
  /** At or past the first warning threshold. */
  readonly warning: boolean;
  readonly resetAt: string | null;
  /** Buckets: tokens in the bucket. */
  readonly balance?: number;
}

/** Every account (or a tenant's and the global ones), brought up to date. */
export async function accountStatus(
  sql: Sql,
  budgets: ResolvedBudgets,
  now: number,
  filter: { tenant?: string } = {},
): Promise<AccountStatus[]> {
  const { rows } = await sql.query<Parameters<typeof accountFromRow>[0]>(
    filter.tenant
      ? `select * from holdfast.accounts where scope = any($1::text[]) order by scope, meter, period`
      : `select * from holdfast.accounts order by scope, meter, period`,
    filter.tenant ? [scopesOf(filter.tenant)] : [],
  );
  const warnAt = budgets.thresholds[0] ?? 0.8;
  return rows.map((row) => statusOf(rollOver(accountFromRow(row), now).account, warnAt));
}

export function statusOf(account: Account, warnAt: number): AccountStatus {
  const reset = nextResetAt(account);
  const fraction = usedFraction(account);
  return {
    scope: account.scope,
    meter: account.meter,
    period: account.period,
    used: account.period === 'refill' ? account.limit - (account.balance ?? 0) : account.used,
    limit: effectiveLimit(account),
    reserved: account.reserved,
    remaining: Math.max(0, available(account)),
    percent: Math.round(fraction * 1000) / 10,
    warning: fraction >= warnAt,
    resetAt: reset === undefined ? null : new Date(reset).toISOString(),
    ...(account.period === 'refill' ? { balance: account.balance ?? 0 } : {}),
  };
}

export interface MeterEstimate {
  readonly meter: string;
  readonly estimate: number;
  /** The pipeline's cap for one job, if any. */
  readonly cap: number | null;
  /** The account that binds: the one with the least room. */
  readonly scope: string | null;
  readonly period: string | null;
  readonly balance: number | null;
  readonly limit: number | null;
  readonly remainingAfter: number | null;
  readonly resetAt: string | null;
  readonly safeToProceed: boolean;
}

export interface EstimateReport {
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly meters: MeterEstimate[];
  readonly safeToProceed: boolean;
  readonly warnings: string[];
}

/** What a job would cost, per meter, against what is left — before submitting it. */
export async function estimateReport(
  sql: Sql,
  budgets: ResolvedBudgets,
  now: number,
  job: {
    pipeline: string;
    tenant: string | null;
    estimate: Readonly<Record<string, number>>;
    caps: Readonly<Record<string, number>> | undefined;
  },
): Promise<EstimateReport> {
  const meters = [...new Set([...Object.keys(job.estimate), ...Object.keys(job.caps ?? {})])];
  const { rows } = await sql.query<Parameters<typeof accountFromRow>[0]>(
    `select * from holdfast.accounts where scope = any($1::text[]) and meter = any($2::text[])`,
    [scopesOf(job.tenant), meters],
  );
  const accounts = rows.map((row) => rollOver(accountFromRow(row), now).account);
  // A tenant seen for the first time gets the template accounts: estimate against those too.
  if (job.tenant) {
    for (const template of budgets.templates) {
      const scope = `tenant:${job.tenant}`;
      if (
        !meters.includes(template.meter) ||
        accounts.some((a) => a.scope === scope && a.meter === template.meter && a.period === template.period)
      )
        continue;
      accounts.push({
        id: -1,
        scope,
        ...template,
        periodStart: now,
        used: 0,
        reserved: 0,
        balance: template.period === 'refill' ? template.limit : undefined,
        credited: 0,
        thresholdsFired: [],
        limitOverride: false,
      });
    }
  }
  const warnings: string[] = [];
  const warnAt = budgets.thresholds[0] ?? 0.8;
  const out = meters.map((meter): MeterEstimate => {
    const estimate = job.estimate[meter] ?? 0;
    const cap = job.caps?.[meter] ?? null;
    const candidates = accounts.filter((a) => a.meter === meter);
    const binding = candidates.sort((a, b) => available(a) - available(b))[0];
    const overCap = cap !== null && estimate > cap;
    if (overCap)
      warnings.push(
        `${meter}: the estimate ${estimate} is above the pipeline's cap of ${cap} (JOB_TOO_EXPENSIVE).`,
      );
    if (!binding) {
      return {
        meter,
        estimate,
        cap,
        scope: null,
        period: null,
        balance: null,
        limit: null,
        remainingAfter: null,
        resetAt: null,
        safeToProceed: !overCap,
      };
    }
    const balance = Math.max(0, available(binding));
    const remainingAfter = balance - estimate;
    const reset = nextResetAt(binding);
    const fits = remainingAfter >= 0;
    if (!fits)
      warnings.push(
        `${meter}: ${binding.scope} (${binding.period}) has ${balance} left, the job needs ${estimate}: ${-remainingAfter} short.`,
      );
    else {
      const after = {
        ...binding,
        used: binding.used + estimate,
        balance: binding.balance === undefined ? undefined : binding.balance - estimate,
      };
      if (usedFraction(after) >= warnAt) {
        warnings.push(
          `${meter}: after this job ${binding.scope} (${binding.period}) would be at ${Math.round(usedFraction(after) * 100)} % of its limit.`,
        );
      }
    }
    return {
      meter,
      estimate,
      cap,
      scope: binding.scope,
      period: binding.period,
      balance,
      limit: effectiveLimit(binding),
      remainingAfter,
      resetAt: reset === undefined ? null : new Date(reset).toISOString(),
      safeToProceed: fits && !overCap,
    };
  });
  return {
    pipeline: job.pipeline,
    tenant: job.tenant,
    meters: out,
    safeToProceed: out.every((m) => m.safeToProceed),
    warnings,
  };
}

export interface UsageReport {
  readonly days: number;
  readonly from: string;
  readonly to: string;
  /** Per provider (and meter): totals and daily averages over the period. */
  readonly providers: Array<{
    readonly provider: string;
    readonly meter: string;
    readonly calls: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly tokensCached: number;
    readonly costUsd: number;
    readonly avgCallsPerDay: number;
    readonly avgCostPerDayUsd: number;
  }>;
  readonly daily: Array<{
    readonly day: string;
    readonly provider: string;
    readonly meter: string;
    readonly calls: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly costUsd: number;
  }>;
  readonly total: { readonly calls: number; readonly costUsd: number; readonly avgCostPerDayUsd: number };
}

/** Usage over the last `days` days (today included), per provider and day. */
export async function usageReport(
  sql: Sql,
  now: number,
  options: { days?: number; tenant?: string } = {},
): Promise<UsageReport> {
  const days = Math.min(Math.max(1, Math.floor(options.days ?? 7)), 366);
  const to = new Date(now).toISOString().slice(0, 10);
  const from = new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const { rows } = await sql.query<{
    day: string;
    provider: string;
    meter: string;
    calls: number;
    tokens_in: number;
    tokens_out: number;
    tokens_cached: number;
    cost_usd: number;
  }>(
    `select day::text as day, provider, meter, sum(calls)::int8 as calls, sum(tokens_in)::int8 as tokens_in, sum(tokens_out)::int8 as tokens_out,
            sum(tokens_cached)::int8 as tokens_cached, sum(cost_usd) as cost_usd
       from holdfast.usage_daily
      where day between $1::date and $2::date ${options.tenant === undefined ? '' : 'and tenant = $3'}
      group by 1, provider, meter order by 1, provider, meter`,
    options.tenant === undefined ? [from, to] : [from, to, options.tenant],
  );
  const byProvider = new Map<string, UsageReport['providers'][number]>();
  for (const r of rows) {
    const key = `${r.provider}|${r.meter}`;
    const p = byProvider.get(key) ?? {
      provider: r.provider,
      meter: r.meter,
      calls: 0,
      tokensIn: 0,
      tokensOut: 0,
      tokensCached: 0,
      costUsd: 0,
      avgCallsPerDay: 0,
      avgCostPerDayUsd: 0,
    };
    byProvider.set(key, {
      ...p,
      calls: p.calls + r.calls,
      tokensIn: p.tokensIn + r.tokens_in,
      tokensOut: p.tokensOut + r.tokens_out,
      tokensCached: p.tokensCached + r.tokens_cached,
      costUsd: round6(p.costUsd + r.cost_usd),
    });
  }
  const providers = [...byProvider.values()].map((p) => ({
    ...p,
    avgCallsPerDay: Math.round((p.calls / days) * 10) / 10,
    avgCostPerDayUsd: round6(p.costUsd / days),
  }));
  const calls = providers.reduce((s, p) => s + p.calls, 0);
  const cost = round6(providers.reduce((s, p) => s + p.costUsd, 0));
  return {
    days,
    from,
    to,
    providers,
    daily: rows.map((r) => ({
      // As text: a driver would turn a date into local midnight, shifted by the time zone.
      day: r.day,
      provider: r.provider,
      meter: r.meter,
      calls: r.calls,
      tokensIn: r.tokens_in,
      tokensOut: r.tokens_out,
      costUsd: r.cost_usd,
    })),
    total: { calls, costUsd: cost, avgCostPerDayUsd: round6(cost / days) },
  };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
