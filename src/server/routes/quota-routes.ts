import { z } from 'zod';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';
import { usageByTenant } from '../queries/usage-by-tenant.js';
import { queryInt, tenantSchema } from '../schemas/common.js';
import type { ServerContext } from '../server-context.js';

const accountSchema = z
  .object({
    scope: z.string().describe("'global' or 'tenant:<id>'"),
    meter: z.string(),
    period: z.string(),
    used: z.number(),
    limit: z.number(),
    reserved: z.number().describe('Held by running jobs and calls'),
    remaining: z.number(),
    percent: z.number(),
    warning: z.boolean().describe('At or past the first warning threshold (80 % by default)'),
    resetAt: z.string().nullable(),
    balance: z.number().optional().describe('Refill buckets: tokens in the bucket'),
  })
  .meta({ id: 'Account' });

const usageSchema = z.object({
  days: z.number(),
  from: z.string(),
  to: z.string(),
  rows: z
    .array(
      z.object({
        day: z.string(),
        provider: z.string(),
        tenant: z.string().nullable(),
        meter: z.string(),
        calls: z.number(),
        tokensIn: z.number(),
        tokensOut: z.number(),
        costUsd: z.number(),
      }),
    )
    .describe('Per day × provider × tenant × meter'),
  providers: z
    .array(
      z.object({
        provider: z.string(),
        meter: z.string(),
        calls: z.number(),
        tokensIn: z.number(),
        tokensOut: z.number(),
        tokensCached: z.number(),
        costUsd: z.number(),
        avgCallsPerDay: z.number(),
        avgCostPerDayUsd: z.number(),
      }),
    )
    .describe('Totals per provider and meter over the period'),
  total: z.object({
    calls: z.number(),
    tokensIn: z.number(),
    tokensOut: z.number(),
    costUsd: z.number(),
    avgCostPerDayUsd: z.number(),
  }),
});

const resetPlanSchema = z.object({
  dryRun: z.boolean(),
  reset: z.number(),
  accounts: z.array(
    z.object({
      scope: z.string(),
      meter: z.string(),
      period: z.string(),
      periodKey: z.string(),
      used: z.number(),
      credited: z.number(),
      alreadyReset: z.boolean(),
    }),
  ),
});

const accountTarget = {
  scope: z.string().regex(/^(global|tenant:[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,127})$/, {
    error: "'global' or 'tenant:<id>'",
  }),
  meter: z.string().min(1).max(100),
  period: z
    .string()
    .min(1)
    .max(20)
    .optional()
    .describe('Needed when the scope has several accounts of this meter'),
};

/** Budgets: every account, usage per day, and the operator's reset, credit and limit. */
export function quotaRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { hf } = ctx;
  return [
    defineRoute({
      method: 'GET',
      url: '/v1/quotas',
      operationId: 'listQuotas',
      summary: 'Every budget account: used, held, limit, remaining, percent, reset time, warning',
      description:
        'A tenant key sees its own tenant’s accounts; the admin sees all, or one tenant’s with `?tenant=`.',
      tags: ['budgets'],
      access: 'tenant',
      query: z.object({ tenant: tenantSchema.optional() }).strict(),
      responses: {
        200: { description: 'The accounts', schema: z.object({ accounts: z.array(accountSchema) }) },
      },
      handler: async ({ principal, query }) => {
        const own = principal!.kind === 'tenant' ? principal!.tenant : undefined;
        const tenant = own ?? query.tenant;
        let accounts = await hf.budgets.status(tenant === undefined ? {} : { tenant });
        // A tenant's key shows that tenant's accounts only, not the deployment's global ones.
        if (own !== undefined) accounts = accounts.filter((a) => a.scope === `tenant:${own}`);
        return { status: 200, body: { accounts } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/usage',
      operationId: 'getUsage',
      summary: 'Usage per day × provider × tenant: calls, tokens, USD, with totals',
      tags: ['budgets'],
      access: 'tenant',
      query: z
        .object({
          days: queryInt(1, 366).optional().describe('Days back, today included (default 7)'),
          tenant: tenantSchema.optional().describe('Admin only'),
        })
        .strict(),
      responses: { 200: { description: 'The usage', schema: usageSchema } },
      handler: async ({ principal, query }) => {
        const tenant = principal!.kind === 'tenant' ? principal!.tenant : query.tenant;
        const days = query.days ?? 7;
        const report = await hf.budgets.usage({ days, ...(tenant === undefined ? {} : { tenant }) });
        const rows = await usageByTenant(ctx.services.store, { from: report.from, to: report.to, tenant });
        return {
          status: 200,
          body: {
            days: report.days,
            from: report.from,
            to: report.to,
            rows: rows.map((r) => ({ ...r, tenant: r.tenant === '' ? null : r.tenant })),
            providers: report.providers,
            total: {
              calls: report.total.calls,
              tokensIn: report.providers.reduce((s, p) => s + p.tokensIn, 0),
              tokensOut: report.providers.reduce((s, p) => s + p.tokensOut, 0),
              costUsd: report.total.costUsd,
              avgCostPerDayUsd: report.total.avgCostPerDayUsd,
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/quotas/reset',
      operationId: 'resetQuotas',
      summary: 'Start a day or month over (admin)',
      description:
        'Refused if an account was already reset this period, unless `force`; `dryRun` only says what would change.',
      tags: ['budgets'],
      access: 'admin',
      body: z
        .object({
          period: z.enum(['day', 'month']),
          tenant: tenantSchema.optional(),
          dryRun: z.boolean().optional(),
          force: z.boolean().optional(),
        })
        .strict(),
      responses: { 200: { description: 'What was (or would be) reset', schema: resetPlanSchema } },
      errors: [409],
      handler: async ({ body }) => ({
        status: 200,
        body: await hf.budgets.reset({
          period: body.period,
          ...(body.tenant === undefined ? {} : { tenant: body.tenant }),
          dryRun: body.dryRun ?? false,
          force: body.force ?? false,
        }),
      }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/quotas/credit',
      operationId: 'creditQuota',
      summary: 'Add to an account’s current period, or tokens to a bucket (admin)',
      tags: ['budgets'],
      access: 'admin',
      body: z.object({ ...accountTarget, amount: z.number().positive().finite() }).strict(),
      responses: { 200: { description: 'The account after', schema: accountSchema } },
      errors: [404],
      handler: async ({ body }) => ({ status: 200, body: await hf.budgets.credit(body) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/quotas/limit',
      operationId: 'setQuotaLimit',
      summary: 'Override an account’s limit (admin)',
      description: 'Configuration no longer changes an account whose limit was set by hand.',
      tags: ['budgets'],
      access: 'admin',
      body: z.object({ ...accountTarget, limit: z.number().nonnegative().finite() }).strict(),
      responses: { 200: { description: 'The account after', schema: accountSchema } },
      errors: [404],
      handler: async ({ body }) => ({ status: 200, body: await hf.budgets.setLimit(body) }),
    }),
  ];
}
