import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';
import type { Period } from './account.js';
import { defaultPricing, mergePricing, type PricingTable } from './pricing.js';

/** `day` and `month` renew at UTC calendar boundaries; `none` never; a bucket refills by steps. */
export type PeriodOption =
  | 'day'
  | 'month'
  | 'none'
  | { readonly refill: number; readonly every: Duration; readonly capacity: number };

export interface AccountOptions {
  /** 'global' (default) or 'tenant:<id>'. */
  readonly scope?: string;
  /** What is counted: 'openai:tokens', 'usd', 'requests', 'keepa:tokens'… */
  readonly meter: string;
  readonly period: PeriodOption;
  /** The limit per period (not for buckets: their capacity is the limit). */
  readonly limit?: number;
}

export interface BudgetOptions {
  /** Global accounts, and accounts of named tenants. */
  readonly accounts?: readonly AccountOptions[];
  /** Accounts every tenant gets the first time it is seen (an operator may override one). */
  readonly tenantTemplates?: ReadonlyArray<Omit<AccountOptions, 'scope'>>;
  /** Fractions of a limit announced once per period (default [0.8, 1]). */
  readonly thresholds?: readonly number[];
  /** Prices per provider kind and model, merged over the built-in table. */
  readonly pricing?: PricingTable;
  /** How often holds of ended jobs and dead calls are cleaned up (default 10 s). */
  readonly reaperInterval?: Duration;
  /** A call made outside a job whose hold is neither settled nor released by then is reaped (default 10 min). */
  readonly callHoldTtl?: Duration;
}

export interface AccountSpec {
  readonly scope: string;
  readonly meter: string;
  readonly period: Period;
  readonly limit: number;
  readonly refillAmount: number | undefined;
  readonly refillEveryMs: number | undefined;
}

export interface ResolvedBudgets {
  readonly accounts: readonly AccountSpec[];
  readonly templates: ReadonlyArray<Omit<AccountSpec, 'scope'>>;
  readonly thresholds: readonly number[];
  readonly pricing: PricingTable;
  readonly reaperIntervalMs: number;
  readonly callHoldTtlMs: number;
}

/** Checks and resolves budget options; a bad one is CONFIG_INVALID naming it. */
export function resolveBudgets(options: BudgetOptions = {}): ResolvedBudgets {
  const accounts = (options.accounts ?? []).map((a, i) => resolveAccount(a, `budgets.accounts[${i}]`));
  const seen = new Set<string>();
  for (const a of accounts) {
    const key = `${a.scope}/${a.meter}/${a.period}`;
    if (seen.has(key))
      throw configError('budgets.accounts', [
        `has two accounts for ${a.scope} ${a.meter} per ${a.period}: keep one`,
        `contient deux comptes pour ${a.scope} ${a.meter} par ${a.period} : n'en gardez qu'un`,
      ]);
    seen.add(key);
  }
  const templates = (options.tenantTemplates ?? []).map((t, i) => {
    const { scope: _scope, ...rest } = resolveAccount(
      { ...t, scope: 'tenant:template' },
      `budgets.tenantTemplates[${i}]`,
    );
    return rest;
  });
  const thresholds = [...(options.thresholds ?? [0.8, 1])].sort((a, b) => a - b);
  for (const t of thresholds) {
    if (!(t > 0 && t <= 1))
      throw configError(
        'budgets.thresholds',
        [
          'must be fractions above 0 and at most 1, such as 0.8',
          'doit contenir des fractions supérieures à 0 et au plus 1, comme 0.8',
        ],
        t,
      );
  }
  return {
    accounts,
    templates,
    thresholds,
    pricing: mergePricing(defaultPricing, options.pricing),
    reaperIntervalMs:
      options.reaperInterval === undefined
        ? 10_000
        : parseDuration(options.reaperInterval, 'budgets.reaperInterval'),
    callHoldTtlMs:
      options.callHoldTtl === undefined ? 600_000 : parseDuration(options.callHoldTtl, 'budgets.callHoldTtl'),
  };
}

function resolveAccount(options: AccountOptions, where: string): AccountSpec {
  const scope = options.scope ?? 'global';
  if (scope !== 'global' && !/^tenant:[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,127}$/.test(scope)) {
    throw configError(
      `${where}.scope`,
      ["must be 'global' or 'tenant:<id>'", "doit valoir 'global' ou 'tenant:<id>'"],
      scope,
    );
  }
  if (typeof options.meter !== 'string' || !/^[a-z0-9][a-z0-9_.:-]{0,63}$/i.test(options.meter)) {
    throw configError(
      `${where}.meter`,
      ["must be a name such as 'openai:tokens' or 'usd'", "doit être un nom comme 'openai:tokens' ou 'usd'"],
      options.meter,
    );
  }
  const period = options.period;
  if (typeof period === 'object' && period !== null) {
    const everyMs = parseDuration(period.every, `${where}.period.every`);
    const positive = (field: string, value: unknown) => {
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
        throw configError(
          `${where}.period.${field}`,
          ['must be a number above 0', 'doit être un nombre strictement positif'],
          value,
        );
    };
    positive('capacity', period.capacity);
    positive('refill', period.refill);
    positive('every', everyMs);
    return {
      scope,
      meter: options.meter,
      period: 'refill',
      limit: period.capacity,
      refillAmount: period.refill,
      refillEveryMs: everyMs,
    };
  }
  if (period !== 'day' && period !== 'month' && period !== 'none') {
    throw configError(
      `${where}.period`,
      [
        "must be 'day', 'month', 'none' or { refill, every, capacity }",
        "doit valoir 'day', 'month', 'none' ou { refill, every, capacity }",
      ],
      period,
    );
  }
  if (!(typeof options.limit === 'number' && options.limit >= 0 && Number.isFinite(options.limit))) {
    throw configError(
      `${where}.limit`,
      ['must be a number of 0 or more', 'doit être un nombre positif ou nul'],
      options.limit,
    );
  }
  return {
    scope,
    meter: options.meter,
    period,
    limit: options.limit,
    refillAmount: undefined,
    refillEveryMs: undefined,
  };
}
