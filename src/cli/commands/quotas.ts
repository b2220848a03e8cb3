import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { type GlobalOptions, print, table, withDatabase } from '../context.js';
import { openOperations } from '../operations.js';

export function registerQuotas(program: Command): void {
  const quotas = program
    .command('quotas')
    .description('Budgets: what is used, what is left, and operator resets.');

  withDatabase(
    quotas.command('status').description('Every account: used, limit, remaining, percent, reset time.'),
  )
    .option('-t, --tenant <tenant>', "only this tenant's accounts (and the global ones)")
    .option('--days <n>', 'usage over the last N days', (v) => Number(v), 7)
    .action(async (options: GlobalOptions & { tenant?: string; days: number }) => {
      const ops = await openOperations(options);
      try {
        const accounts = await ops.budgets.status({ tenant: options.tenant });
        const usage = await ops.budgets.usage({ days: options.days, tenant: options.tenant });
        print(options, { accounts, usage }, ({ accounts: a, usage: u }) =>
          [
            table(
              a.map((s) => ({
                scope: s.scope,
                meter: s.meter,
                period: s.period,
                used: amount(s.meter, s.used),
                limit: amount(s.meter, s.limit),
                held: amount(s.meter, s.reserved),
                remaining: amount(s.meter, s.remaining),
                percent: `${s.percent} %${s.warning ? ' !' : ''}`,
                resets: s.resetAt ?? 'never',
              })),
            ),
            '',
            `Usage, last ${u.days} days (${u.from} to ${u.to}):`,
            table(
              u.providers.map((p) => ({
                provider: p.provider,
                meter: p.meter,
                calls: p.calls,
                'tokens in': p.tokensIn,
                'tokens out': p.tokensOut,
                'cost usd': p.costUsd.toFixed(6),
                'usd/day': p.avgCostPerDayUsd.toFixed(6),
              })),
            ),
          ].join('\n'),
        );
      } finally {
        await ops.close();
      }
    });

  withDatabase(
    quotas
      .command('reset')
      .description('Start a day or month over by hand (periods also roll over by themselves).'),
  )
    .requiredOption('-p, --period <period>', 'day or month', (v) => {
      if (v !== 'day' && v !== 'month') throw new InvalidArgumentError("must be 'day' or 'month'.");
      return v;
    })
    .option('-t, --tenant <tenant>', "only this tenant's accounts")
    .option('--dry-run', 'show what would change, change nothing')
    .option('--force', 'reset even if it was already reset this period')
    .action(
      async (
        options: GlobalOptions & {
          period: 'day' | 'month';
          tenant?: string;
          dryRun?: boolean;
          force?: boolean;
        },
      ) => {
        const ops = await openOperations(options);
        try {
          const plan = await ops.budgets.reset({
            period: options.period,
            ...(options.tenant ? { tenant: options.tenant } : {}),
            dryRun: options.dryRun ?? false,
            force: options.force ?? false,
          });
          print(options, plan, (p) =>
            [
              p.dryRun
                ? 'Dry run: nothing was changed. These accounts would be reset:'
                : `Reset ${p.reset} account(s):`,
              table(
                p.accounts.map((a) => ({
                  scope: a.scope,
                  meter: a.meter,
                  period: a.periodKey,
                  used: a.used,
                  credited: a.credited,
                  'already reset': a.alreadyReset ? 'yes' : 'no',
                })),
              ),
            ].join('\n'),
          );
        } finally {
          await ops.close();
        }
      },
    );
}

/** Dollars to the micro-dollar the ledger keeps (a table's 3 decimals would show $0.00052 as 0.001). */
function amount(meter: string, value: number): number | string {
  if (meter !== 'usd') return value;
  return `$${value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '')}`;
}
