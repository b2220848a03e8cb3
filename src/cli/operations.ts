import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { holdfastError } from '../errors/holdfast-error.js';
import { createHoldfast } from '../holdfast/create-holdfast.js';
import type { ResetPlan } from '../ledger/ledger-admin.js';
import type { AccountStatus, UsageReport } from '../ledger/ledger-reports.js';
import type { Holdfast } from '../runtime/holdfast.js';
import { internalsOf } from '../runtime/internals.js';
import type { Job, JobState } from '../runtime/job.js';
import type { JobPage } from '../runtime/jobs-api.js';
import { ApiKeys, type KeyInfo } from '../server/auth/api-keys.js';
import { applyRetention, type RetentionReport } from '../server/retention.js';
import { bundledMigrations } from '../store/migrate.js';
import { systemClock } from '../time/clock.js';
import { ApiClient, ServerUnreachable } from './api-client.js';
import { databaseOf, type GlobalOptions, loadConfig } from './context.js';
import { embeddedPath, isEmbeddedDirectory, readServerLink } from './server-link.js';

export interface JobsFilter {
  readonly state?: JobState | undefined;
  readonly pipeline?: string | undefined;
  readonly tenant?: string | undefined;
  readonly limit: number;
}

/**
 * What the operator commands do, whichever way they reach Holdfast: the database directly, or —
 * while `holdfast start` holds an embedded data directory — the running server's HTTP API. Both
 * give the same answers, so `--json` prints the same documents.
 */
export interface Operations {
  readonly via: 'database' | 'server';
  readonly jobs: {
    list(filter: JobsFilter): Promise<JobPage>;
    get(id: string): Promise<Job>;
    retry(id: string, options: { force: boolean }): Promise<Job>;
    cancel(id: string, options: { reason?: string }): Promise<Job>;
  };
  readonly budgets: {
    status(filter: { tenant?: string | undefined }): Promise<AccountStatus[]>;
    usage(options: { days: number; tenant?: string | undefined }): Promise<UsageReport>;
    reset(options: {
      period: 'day' | 'month';
      tenant?: string;
      dryRun: boolean;
      force: boolean;
    }): Promise<ResetPlan>;
  };
  readonly keys: {
    create(options: { tenant: string; name?: string | undefined }): Promise<{ key: string; info: KeyInfo }>;
    list(filter: { tenant?: string | undefined }): Promise<KeyInfo[]>;
    revoke(id: string): Promise<KeyInfo>;
    rotateAdmin(): Promise<string>;
  };
  cleanup(options: {
    olderThan: string;
    olderThanMs: number;
    dryRun: boolean;
    onProgress?: (report: RetentionReport) => void;
  }): Promise<RetentionReport>;
  close(): Promise<void>;
}

/**
 * Opens the way to Holdfast for an operator command. Never migrates: a database without
 * Holdfast's schema, or with an older one, is refused with SCHEMA_NOT_MIGRATED (and an embedded
 * directory that does not exist is not created).
 */
export async function openOperations(options: GlobalOptions): Promise<Operations> {
  const config = await loadConfig(options);
  const database = databaseOf(options, config);
  if (isEmbeddedDirectory(database)) {
    const dir = embeddedPath(database);
    const link = readServerLink(dir);
    if (link) {
      const remote = remoteOperations(new ApiClient(link.url, link.token));
      // A server that stopped between the check and the call: the directory is free again.
      return withFallback(remote, () => directOperations(database, config));
    }
    if (!existsSync(join(dir, 'pgdata', 'PG_VERSION'))) {
      throw holdfastError('SCHEMA_NOT_MIGRATED', {
        database: `PGlite at ${dir}`,
        current: null,
        expected: bundledMigrations().at(-1)?.version ?? '0000',
      });
    }
  }
  return directOperations(database, config);
}

async function directOperations(
  database: string,
  config: Awaited<ReturnType<typeof loadConfig>>,
): Promise<Operations> {
  const hf: Holdfast = createHoldfast({
    database,
    migrate: false,
    pipelines: config?.pipelines ?? [],
    // Thresholds only: the configured accounts are the server's to write, never a command's.
    ...(config?.budgets?.thresholds ? { budgets: { thresholds: config.budgets.thresholds } } : {}),
    ...(config?.logger ? { logger: config.logger } : {}),
  });
  try {
    await hf.ready();
  } catch (error) {
    await hf.close().catch(() => {});
    throw error;
  }
  const { store } = await internalsOf(hf).open();
  const keys = new ApiKeys(store, systemClock, 0);
  return {
    via: 'database',
    jobs: {
      list: (filter) =>
        hf.jobs.list({
          limit: filter.limit,
          ...(filter.state ? { state: filter.state } : {}),
          ...(filter.pipeline ? { pipeline: filter.pipeline } : {}),
          ...(filter.tenant ? { tenant: filter.tenant } : {}),
        }),
      get: (id) => hf.jobs.get(id),
      retry: (id, o) => hf.jobs.retry(id, o),
      cancel: (id, o) => hf.jobs.cancel(id, o),
    },
    budgets: {
      status: (filter) => hf.budgets.status(filter.tenant ? { tenant: filter.tenant } : {}),
      usage: (o) => hf.budgets.usage({ days: o.days, ...(o.tenant ? { tenant: o.tenant } : {}) }),
      reset: (o) => hf.budgets.reset(o),
    },
    keys: {
      create: (o) => keys.create(o),
      list: (filter) => keys.list(filter),
      revoke: (id) => keys.revoke(id),
      rotateAdmin: async () => (await keys.ensureAdmin({ rotate: true })).key!,
    },
    cleanup: (o) =>
      applyRetention(store, {
        olderThanMs: o.olderThanMs,
        dryRun: o.dryRun,
        now: Date.now(),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      }),
    close: () => hf.close(),
  };
}

function remoteOperations(api: ApiClient): Operations {
  const query = (params: Record<string, string | number | undefined>) => {
    const entries = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
    return entries.length === 0
      ? ''
      : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}`;
  };
  const id = (value: string) => encodeURIComponent(value);
  return {
    via: 'server',
    jobs: {
      list: (f) =>
        api.request<JobPage>(
          'GET',
          `/v1/jobs${query({ state: f.state, pipeline: f.pipeline, tenant: f.tenant, limit: Math.min(200, f.limit) })}`,
        ),
      get: (jobId) => api.request<Job>('GET', `/v1/jobs/${id(jobId)}`),
      retry: (jobId, o) => api.request<Job>('POST', `/v1/jobs/${id(jobId)}/retry`, { force: o.force }),
      cancel: (jobId, o) =>
        api.request<Job>(
          'POST',
          `/v1/jobs/${id(jobId)}/cancel`,
          o.reason === undefined ? {} : { reason: o.reason },
        ),
    },
    budgets: {
      status: async (f) =>
        (await api.request<{ accounts: AccountStatus[] }>('GET', `/v1/quotas${query({ tenant: f.tenant })}`))
          .accounts,
      usage: async (o) => {
        const usage = await api.request<{
          days: number;
          from: string;
          to: string;
          rows: Array<UsageReport['daily'][number] & { tenant: string | null }>;
          providers: UsageReport['providers'];
          total: UsageReport['total'];
        }>('GET', `/v1/usage${query({ days: o.days, tenant: o.tenant })}`);
        const daily = new Map<string, UsageReport['daily'][number]>();
        for (const r of usage.rows) {
          const key = `${r.day}|${r.provider}|${r.meter}`;
          const d = daily.get(key);
          daily.set(key, {
            day: r.day,
            provider: r.provider,
            meter: r.meter,
            calls: (d?.calls ?? 0) + r.calls,
            tokensIn: (d?.tokensIn ?? 0) + r.tokensIn,
            tokensOut: (d?.tokensOut ?? 0) + r.tokensOut,
            costUsd: (d?.costUsd ?? 0) + r.costUsd,
          });
        }
        return {
          days: usage.days,
          from: usage.from,
          to: usage.to,
          providers: usage.providers,
          daily: [...daily.values()],
          total: {
            calls: usage.total.calls,
            costUsd: usage.total.costUsd,
            avgCostPerDayUsd: usage.total.avgCostPerDayUsd,
          },
        };
      },
      reset: (o) => api.request<ResetPlan>('POST', '/v1/quotas/reset', o),
    },
    keys: {
      create: (o) => api.request<{ key: string; info: KeyInfo }>('POST', '/v1/keys', o),
      list: async (f) =>
        (await api.request<{ keys: KeyInfo[] }>('GET', `/v1/keys${query({ tenant: f.tenant })}`)).keys,
      revoke: (keyId) => api.request<KeyInfo>('DELETE', `/v1/keys/${id(keyId)}`),
      rotateAdmin: async () => (await api.request<{ key: string }>('POST', '/v1/keys/admin/rotate')).key,
    },
    cleanup: (o) =>
      api.request<RetentionReport>('POST', '/v1/maintenance/cleanup', {
        olderThan: o.olderThan,
        dryRun: o.dryRun,
      }),
    close: async () => {},
  };
}

/** Every call of `primary` that cannot reach the server is made on `fallback` instead. */
function withFallback(primary: Operations, fallback: () => Promise<Operations>): Operations {
  let opened: Promise<Operations> | undefined;
  const wrap =
    <A extends unknown[], R>(call: (ops: Operations) => (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(primary)(...args);
      } catch (error) {
        if (!(error instanceof ServerUnreachable)) throw error;
        opened ??= fallback();
        return call(await opened)(...args);
      }
    };
  return {
    via: 'server',
    jobs: {
      list: wrap((o) => o.jobs.list),
      get: wrap((o) => o.jobs.get),
      retry: wrap((o) => o.jobs.retry),
      cancel: wrap((o) => o.jobs.cancel),
    },
    budgets: {
      status: wrap((o) => o.budgets.status),
      usage: wrap((o) => o.budgets.usage),
      reset: wrap((o) => o.budgets.reset),
    },
    keys: {
      create: wrap((o) => o.keys.create),
      list: wrap((o) => o.keys.list),
      revoke: wrap((o) => o.keys.revoke),
      rotateAdmin: wrap((o) => o.keys.rotateAdmin),
    },
    cleanup: wrap((o) => o.cleanup),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
