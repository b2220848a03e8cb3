import { holdfastError } from '../errors/holdfast-error.js';
import type { Store } from '../store/store.js';
import { type Account, periodKey, periodStartOf } from './account.js';
import type { ResolvedBudgets } from './budget-config.js';
import { type AccountStatus, statusOf } from './ledger-reports.js';
import { WorkingSet } from './working-set.js';

/**
 * Operator actions on accounts. Each runs in one transaction with the account rows locked and is
 * journalled like any other movement.
 */

/** Adds credit to an account for its current period (a bucket: tokens into the bucket). */
export async function creditAccount(
  store: Store,
  budgets: ResolvedBudgets,
  now: number,
  target: { scope: string; meter: string; period?: string; amount: number },
): Promise<AccountStatus> {
  if (!(target.amount > 0))
    throw invalid('amount', 'must be positive', 'le montant doit être strictement positif');
  return changeAccount(store, budgets, now, target, 'credit', (account) =>
    account.period === 'refill'
      ? { ...account, balance: (account.balance ?? 0) + target.amount }
      : { ...account, credited: account.credited + target.amount },
  );
}

/** Sets an account's limit by hand; configuration no longer overwrites it. */
export async function setAccountLimit(
  store: Store,
  budgets: ResolvedBudgets,
  now: number,
  target: { scope: string; meter: string; period?: string; limit: number },
): Promise<AccountStatus> {
  if (!(target.limit >= 0))
    throw invalid('limit', 'must be zero or more', 'la limite doit être positive ou nulle');
  return changeAccount(store, budgets, now, target, 'limit', (account) => ({
    ...account,
    limit: target.limit,
    limitOverride: true,
  }));
}

/** Locks one account, changes it, journals the change as `kind`. */
async function changeAccount(
  store: Store,
  budgets: ResolvedBudgets,
  now: number,
  target: { scope: string; meter: string; period?: string },
  kind: 'credit' | 'limit',
  change: (account: Account) => Account,
): Promise<AccountStatus> {
  return store.transaction(async (tx) => {
    const ws = await WorkingSet.load(
      tx,
      { scopes: [target.scope], meters: [target.meter] },
      now,
      budgets.thresholds,
    );
    const changed = change(pick(ws, target));
    ws.replace(changed, kind);
    await ws.write(tx);
    return statusOf(changed, budgets.thresholds[0] ?? 0.8);
  });
}

function invalid(field: string, message: string, messageFr: string) {
  return holdfastError('VALIDATION_ERROR', { field, issues: [{ path: field, message, messageFr }] });
}

export interface ResetPlan {
  readonly dryRun: boolean;
  readonly accounts: Array<{
    scope: string;
    meter: string;
    period: string;
    periodKey: string;
    used: number;
    credited: number;
    alreadyReset: boolean;
  }>;
  readonly reset: number;
}

/**
 * Starts a period over by hand (used and credit back to zero, thresholds re-armed). Periods roll
 * over by themselves; this is for operators. An account already reset this period is refused
 * unless forced; a dry run only says what would change.
 */
export async function resetAccounts(
  store: Store,
  budgets: ResolvedBudgets,
  now: number,
  options: { period: 'day' | 'month'; tenant?: string; dryRun?: boolean; force?: boolean },
): Promise<ResetPlan> {
  return store.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; last_reset_key: string | null }>(
      `select id, last_reset_key from holdfast.accounts where period = $1 ${options.tenant ? 'and scope = $2' : ''} order by id`,
      options.tenant ? [options.period, `tenant:${options.tenant}`] : [options.period],
    );
    const ws = await WorkingSet.load(tx, { accountIds: rows.map((r) => r.id) }, now, budgets.thresholds);
    const key = periodKey({ period: options.period, periodStart: periodStartOf(options.period, now) });
    const plan = rows.map((row) => {
      const a = ws.accounts.get(row.id)!;
      return {
        scope: a.scope,
        meter: a.meter,
        period: a.period,
        periodKey: key,
        used: a.used,
        credited: a.credited,
        alreadyReset: row.last_reset_key === key,
      };
    });
    const refused = plan.filter((p) => p.alreadyReset);
    if (refused.length > 0 && !options.force && !options.dryRun) {
      throw holdfastError(
        'CONFLICT',
        {
          kind: 'period',
          id: key,
          state: 'already reset',
          allowed: ['not yet reset this period (or --force)'],
        },
        {
          message: `${refused.length} account(s) were already reset for ${key}: ${refused.map((r) => `${r.scope} ${r.meter}`).join(', ')}. Use --force to reset again.`,
        },
      );
    }
    if (options.dryRun) return { dryRun: true, accounts: plan, reset: 0 };
    for (const row of rows) {
      ws.replace({ ...ws.accounts.get(row.id)!, used: 0, credited: 0, thresholdsFired: [] }, 'reset');
    }
    await ws.write(tx);
    if (rows.length > 0) {
      await tx.query(
        `update holdfast.accounts set last_reset_key = $1, last_reset_at = $2 where id = any($3::int8[])`,
        [key, new Date(now).toISOString(), rows.map((r) => r.id)],
      );
    }
    return { dryRun: false, accounts: plan, reset: rows.length };
  });
}

function pick(ws: WorkingSet, target: { scope: string; meter: string; period?: string }): Account {
  const matches = [...ws.accounts.values()].filter(
    (a) =>
      a.scope === target.scope &&
      a.meter === target.meter &&
      (target.period === undefined || a.period === target.period),
  );
  if (matches.length === 0)
    throw holdfastError('NOT_FOUND', {
      kind: 'account',
      id: `${target.scope} ${target.meter}${target.period ? ` ${target.period}` : ''}`,
    });
  if (matches.length > 1) {
    throw holdfastError('VALIDATION_ERROR', {
      field: 'period',
      issues: [
        {
          path: 'period',
          message: `${target.scope} has ${matches.length} ${target.meter} accounts: say which period (${matches.map((m) => m.period).join(', ')})`,
          messageFr: `${target.scope} a ${matches.length} comptes ${target.meter} : précisez la période (${matches.map((m) => m.period).join(', ')})`,
        },
      ],
    });
  }
  return matches[0]!;
}
