import { randomUUID } from 'node:crypto';
import { type HoldfastError, holdfastError } from '../errors/holdfast-error.js';
import type { EventBus } from '../events/event-bus.js';
import { appendEvents } from '../events/event-log.js';
import type { BudgetGate, BudgetHold } from '../providers/budget-gate.js';
import type { Sql, Store, TxSql } from '../store/store.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { available, periodStartOf, rollOver } from './account.js';
import type { AccountSpec, ResolvedBudgets } from './budget-config.js';
import { LedgerBatcher } from './ledger-batcher.js';
import { refusal, reserveJob } from './movements.js';
import { costUsd, priceOf } from './pricing.js';
import { accountFromRow, WorkingSet } from './working-set.js';

/** What the ledger needs once the database is open. */
export interface LedgerConnection {
  readonly store: Store;
  readonly bus: EventBus;
  readonly origin: string;
}

export interface LedgerOptions {
  readonly budgets: ResolvedBudgets;
  readonly clock: Clock;
  /** Provider name → kind, to price a provider's tokens. */
  readonly providerKinds: ReadonlyMap<string, string>;
  readonly onError: (error: unknown, what: string) => void;
}

/** A job about to be submitted, as the ledger sees it. */
export interface JobAdmission {
  readonly jobId: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly estimate: Readonly<Record<string, number>> | undefined;
  readonly caps: Readonly<Record<string, number>> | undefined;
  readonly budgetMode: 'fail' | 'wait';
}

export type AdmissionResult =
  | { readonly kind: 'admitted' }
  | { readonly kind: 'wait'; readonly runAt: number; readonly refusals: readonly HoldfastError[] }
  | { readonly kind: 'refused'; readonly error: HoldfastError };

interface LedgerHold extends BudgetHold {
  readonly jobId: string | null;
  readonly tenant: string | null;
  readonly provider: string;
}

/**
 * Budgets that cannot be overspent (G3). Every job is reserved for at submit, every call for its
 * worst case; real usage is settled and the rest released, in transactions that lock accounts in
 * one order. Refusals say exactly what is missing and when it comes back.
 */
export class Ledger {
  readonly #options: LedgerOptions;
  #connection: LedgerConnection | undefined;
  #batcher: LedgerBatcher | undefined;
  #reaper: TimerHandle | undefined;
  readonly #tenantsReady = new Set<string>();
  /** Meters that have accounts somewhere (provider balances are observed only for those). */
  readonly #meters: ReadonlySet<string>;
  #ready: Promise<LedgerConnection>;
  #resolveReady!: (connection: LedgerConnection) => void;
  #closed = false;

  constructor(options: LedgerOptions) {
    this.#options = options;
    this.#meters = new Set([
      ...options.budgets.accounts.map((a) => a.meter),
      ...options.budgets.templates.map((t) => t.meter),
    ]);
    this.#ready = new Promise((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  get budgets(): ResolvedBudgets {
    return this.#options.budgets;
  }

  /** Connects to the open database: syncs configured accounts, starts the reaper. */
  async attach(connection: LedgerConnection): Promise<void> {
    if (this.#closed) return;
    this.#connection = connection;
    const { budgets, clock } = this.#options;
    this.#batcher = new LedgerBatcher({
      store: connection.store,
      bus: connection.bus,
      origin: connection.origin,
      clock,
      thresholds: budgets.thresholds,
      ensureTenants: (tenants) => this.#ensureTenants(tenants),
    });
    await connection.store.transaction((tx) => this.#sync(tx));
    if (this.#closed) return;
    // A job that ends in its worker gives its hold back there (releaseJob), and a job cancelled
    // before it ran where it was cancelled; the reaper catches the rest. No event subscription:
    // a subscriber makes the bus read every other process's events back.
    this.#scheduleReaper();
    this.#resolveReady(connection);
  }

  /** Gives back what is left of an ended job's hold (idempotent; errors are reported, not thrown). */
  async releaseJob(jobId: string): Promise<void> {
    await this.#ready;
    await this.#batcher!.submit({ kind: 'release-job', jobId }).catch((error: unknown) =>
      this.#options.onError(error, 'release a job hold'),
    );
  }

  /**
   * Stops the reaper and the listener, commits the movements still queued, then refuses more.
   * Safe before, during or after `attach`: a ledger closed first never starts its reaper.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reaper) this.#options.clock.clearTimeout(this.#reaper);
    this.#reaper = undefined;
    await this.#batcher?.close();
  }

  // ————— Submit —————

  /**
   * Reserves a job's estimate in the submit transaction, all or nothing across the accounts that
   * apply. Refuses with JOB_TOO_EXPENSIVE (above the pipeline's cap), QUOTA_EXCEEDED or
   * INSUFFICIENT_TOKENS — or, in `wait` mode, says when the job can start.
   */
  async admit(tx: TxSql, job: JobAdmission, now: number): Promise<AdmissionResult> {
    const estimate = job.estimate ?? {};
    for (const [meter, cap] of Object.entries(job.caps ?? {})) {
      const amount = estimate[meter] ?? 0;
      if (amount > cap) {
        return {
          kind: 'refused',
          error: holdfastError('JOB_TOO_EXPENSIVE', {
            pipeline: job.pipeline,
            meter,
            estimate: amount,
            cap,
            excess: amount - cap,
          }),
        };
      }
    }
    const amounts = this.#positive(estimate);
    if (Object.keys(amounts).length === 0 && job.caps === undefined) return { kind: 'admitted' };
    const ws = await this.#lockAccounts(tx, job.tenant, Object.keys(amounts), now);
    const result = reserveJob(ws, {
      id: randomUUID(),
      jobId: job.jobId,
      tenant: job.tenant,
      amounts,
      caps: job.caps ?? null,
    });
    if (Array.isArray(result)) {
      if (job.budgetMode === 'wait') {
        const times = result.map((r) => (r.retryAfterMs === undefined ? undefined : now + r.retryAfterMs));
        if (times.every((t) => t !== undefined))
          return { kind: 'wait', runAt: Math.max(...(times as number[])), refusals: result };
      }
      return { kind: 'refused', error: result[0]! };
    }
    await ws.write(tx);
    await this.#appendEvents(tx, ws);
    return { kind: 'admitted' };
  }

  /**
   * Reserves a job parked for budget when it is claimed: the job runs if its estimate now fits;
   * else it is parked again until it does (or fails, if it never can).
   */
  async reserveParked(job: JobAdmission): Promise<AdmissionResult> {
    const { store } = await this.#ready;
    const now = this.#options.clock.now();
    return store.transaction(async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        `select count(*)::int as n from holdfast.reservations where kind = 'job' and job_id = $1 and state = 'held'`,
        [job.jobId],
      );
      if ((rows[0]?.n ?? 0) > 0) return { kind: 'admitted' } as const;
      return this.admit(tx, job, now);
    });
  }

  /**
   * Checks before a manual retry that the budgets cover what is left to do. Refuses like a submit
   * (without reserving: the job's calls reserve as they go).
   */
  async check(tx: TxSql, job: Omit<JobAdmission, 'budgetMode'>, now: number): Promise<void> {
    const amounts = this.#positive(job.estimate ?? {});
    if (Object.keys(amounts).length === 0) return;
    const ws = await this.#lockAccounts(tx, job.tenant, Object.keys(amounts), now);
    for (const [meter, amount] of Object.entries(amounts)) {
      for (const account of ws.accountsFor(job.tenant, meter)) {
        if (available(account) < amount) throw refusal(account, amount, now);
      }
    }
  }

  // ————— Calls (the BudgetGate the providers use) —————

  readonly gate: BudgetGate = {
    available: async (context, meters) => {
      const { store } = await this.#ready;
      const out: Record<string, number> = Object.fromEntries(
        meters.map((m) => [m, Number.POSITIVE_INFINITY]),
      );
      const relevant = meters.filter((m) => this.#meters.has(m));
      const now = this.#options.clock.now();
      const held = context.jobId ? await this.#jobHold(store, context.jobId) : undefined;
      if (relevant.length > 0) {
        const { rows } = await store.query<Parameters<typeof accountFromRow>[0]>(
          `select * from holdfast.accounts where scope = any($1::text[]) and meter = any($2::text[])`,
          [scopesOf(context.tenant ?? null), relevant],
        );
        for (const row of rows) {
          const account = rollOver(accountFromRow(row), now).account;
          const fromJob = held?.lines.find((l) => l.account === account.id)?.amount ?? 0;
          out[account.meter] = Math.min(out[account.meter]!, available(account) + fromJob);
        }
      }
      for (const meter of meters) {
        const cap = held?.caps?.[meter];
        if (cap !== undefined)
          out[meter] = Math.min(out[meter]!, cap - (held!.spent[meter] ?? 0) - (held!.inflight[meter] ?? 0));
      }
      return out;
    },

    reserve: async (context, cost) => {
      await this.#ready;
      const id = randomUUID();
      const amounts = this.#positive({
        ...cost.meters,
        ...this.#derived(cost.provider, cost.model, {
          input: cost.input ?? total(cost.meters),
          output: cost.output ?? 0,
          cached: 0,
        }),
      });
      const result = await this.#batcher!.submit({
        kind: 'reserve',
        id,
        context,
        amounts,
        expiresAt: context.jobId ? null : this.#options.clock.now() + this.budgets.callHoldTtlMs,
      });
      if (result !== 'ok') throw result;
      const hold: LedgerHold = {
        id,
        meters: amounts,
        jobId: context.jobId ?? null,
        tenant: context.tenant ?? null,
        provider: cost.provider,
      };
      return hold;
    },

    settle: async (hold, usage) => {
      const h = hold as LedgerHold;
      const derived = this.#derived(usage.provider, usage.model, usage);
      const charged = this.#positive({ ...usage.meters, ...derived });
      const result = await this.#batcher!.submit({
        kind: 'settle',
        id: h.id,
        jobId: h.jobId,
        charged,
        rollup: {
          provider: usage.provider,
          tenant: h.tenant ?? '',
          meter: usage.meter,
          model: usage.model ?? '',
          calls: 1,
          tokens_in: usage.input,
          tokens_out: usage.output,
          tokens_cached: usage.cached,
          cost_usd: derived.usd ?? 0,
        },
      });
      if (result !== 'ok') throw result;
    },

    release: async (hold) => {
      const h = hold as LedgerHold;
      await this.#batcher!.submit({ kind: 'release', id: h.id, jobId: h.jobId });
    },

    observe: async (_context, balances) => {
      await this.#ready;
      const relevant = Object.fromEntries(Object.entries(balances).filter(([m]) => this.#meters.has(m)));
      if (Object.keys(relevant).length > 0)
        await this.#batcher!.submit({ kind: 'observe', balances: relevant });
    },
  };

  // ————— Reaper —————

  /**
   * Cleans up holds nobody will close: the holds of jobs that ended are released; the holds of
   * calls whose attempt died (lease lost or expired) or that outlived their TTL are charged in
   * full — the provider may have billed them. Returns what it did.
   */
  async reap(): Promise<{ releasedJobs: number; reapedCalls: number }> {
    const { store } = await this.#ready;
    const now = new Date(this.#options.clock.now()).toISOString();
    const { rows: jobs } = await store.query<{ job_id: string }>(
      `select r.job_id from holdfast.reservations r left join holdfast.jobs j on j.id = r.job_id
        where r.kind = 'job' and r.state = 'held'
          and (j.id is null or j.state in ('succeeded', 'failed', 'cancelled'))
        limit 500`,
    );
    const { rows: calls } = await store.query<{ id: string; job_id: string | null }>(
      `select r.id, r.job_id from holdfast.reservations r left join holdfast.jobs j on j.id = r.job_id
        where r.kind = 'call' and r.state = 'held'
          and ((r.job_id is not null and (j.id is null or j.state <> 'running' or j.lease_epoch <> r.epoch or j.lease_expires_at < $1))
               or (r.job_id is null and r.expires_at < $1))
        limit 500`,
      [now],
    );
    await Promise.all([
      ...jobs.map((j) => this.#batcher!.submit({ kind: 'release-job', jobId: j.job_id })),
      ...calls.map((c) => this.#batcher!.submit({ kind: 'reap', id: c.id, jobId: c.job_id })),
    ]);
    return { releasedJobs: jobs.length, reapedCalls: calls.length };
  }

  #scheduleReaper(): void {
    const { clock } = this.#options;
    this.#reaper = clock.setTimeout(() => {
      this.reap()
        .catch((error: unknown) => this.#options.onError(error, 'reap budget holds'))
        .finally(() => {
          if (this.#reaper && !this.#closed) this.#scheduleReaper();
        });
    }, this.budgets.reaperIntervalMs);
    this.#reaper.unref?.();
  }

  // ————— Helpers —————

  /**
   * What a call counts besides its tokens: its cost in USD (when its model has a price) and one
   * request. Always derived: usage reports show cost, and a job may cap either.
   */
  #derived(
    provider: string,
    model: string | undefined,
    tokens: { input: number; output: number; cached: number },
  ): Record<string, number> {
    const out: Record<string, number> = { requests: 1 };
    const kind = this.#options.providerKinds.get(provider) ?? provider;
    const price =
      priceOf(this.budgets.pricing, kind, model) ?? priceOf(this.budgets.pricing, provider, model);
    if (price) out.usd = costUsd(price, tokens);
    return out;
  }

  /** Drops zero and non-finite amounts (a meter without accounts still counts against a job's cap). */
  #positive(amounts: Readonly<Record<string, number>>): Record<string, number> {
    return Object.fromEntries(
      Object.entries(amounts).filter(([, amount]) => amount > 0 && Number.isFinite(amount)),
    );
  }

  async #jobHold(sql: Sql, jobId: string) {
    const { rows } = await sql.query<{
      lines: Array<{ account: number; amount: number }>;
      caps: Record<string, number> | null;
      spent: Record<string, number>;
      inflight: Record<string, number>;
    }>(
      `select lines, caps, spent, inflight from holdfast.reservations where kind = 'job' and job_id = $1 and state = 'held'`,
      [jobId],
    );
    return rows[0];
  }

  /** Writes configured accounts: new ones are created, limits follow the configuration unless an operator set one. */
  async #sync(tx: TxSql): Promise<void> {
    const now = this.#options.clock.now();
    for (const spec of this.budgets.accounts) await upsertAccount(tx, spec, now);
    for (const template of this.budgets.templates) {
      await tx.query(
        `update holdfast.accounts set limit_amount = $4, refill_amount = $5, refill_every_ms = $6, updated_at = $7
          where scope like 'tenant:%' and meter = $1 and period = $2 and not limit_override and limit_amount is distinct from $3`,
        [
          template.meter,
          template.period,
          template.limit,
          template.limit,
          template.refillAmount ?? null,
          template.refillEveryMs ?? null,
          new Date(now).toISOString(),
        ],
      );
    }
  }

  /**
   * Creates a tenant's accounts from the templates now, so that an operator can raise or credit a
   * tenant before its first job.
   */
  async ensureTenant(tenant: string): Promise<void> {
    await this.#ensureTenants([tenant]);
  }

  async #ensureTenants(tenants: readonly string[]): Promise<void> {
    const missing = tenants.filter((t) => !this.#tenantsReady.has(t));
    if (missing.length === 0 || this.budgets.templates.length === 0) return;
    const { store } = await this.#ready;
    for (const tenant of missing) {
      await this.#ensureTenantIn(store, tenant);
      this.#tenantsReady.add(tenant);
    }
  }

  /** Locks the accounts that apply to a tenant (or to global spend) for some meters. */
  async #lockAccounts(tx: TxSql, tenant: string | null, meters: string[], now: number): Promise<WorkingSet> {
    if (tenant) await this.#ensureTenantIn(tx, tenant);
    return WorkingSet.load(tx, { scopes: scopesOf(tenant), meters }, now, this.budgets.thresholds);
  }

  /** A tenant's accounts from the templates, the first time it is seen. */
  async #ensureTenantIn(sql: Sql, tenant: string): Promise<void> {
    if (this.budgets.templates.length === 0 || this.#tenantsReady.has(tenant)) return;
    const now = this.#options.clock.now();
    for (const template of this.budgets.templates)
      await upsertAccount(sql, { ...template, scope: `tenant:${tenant}` }, now, true);
  }

  async #appendEvents(tx: TxSql, ws: WorkingSet): Promise<void> {
    if (ws.events.length === 0) return;
    const { bus, origin, store } = this.#connection!;
    const stored = await appendEvents(tx, ws.events, store.shared ? { origin } : undefined);
    // Delivered after the surrounding transaction commits (best effort: at worst, not live).
    setImmediate(() => bus.publish(stored));
  }

  /** The database, once attached (for reports and the CLI). */
  async connection(): Promise<LedgerConnection> {
    return this.#ready;
  }
}

export function scopesOf(tenant: string | null): string[] {
  return tenant ? ['global', `tenant:${tenant}`] : ['global'];
}

function total(meters: Readonly<Record<string, number>>): number {
  return Object.values(meters).reduce((a, b) => a + b, 0);
}

async function upsertAccount(sql: Sql, spec: AccountSpec, now: number, onlyIfMissing = false): Promise<void> {
  const start = spec.period === 'refill' ? now : periodStartOf(spec.period, now);
  await sql.query(
    `insert into holdfast.accounts (scope, meter, period, limit_amount, refill_amount, refill_every_ms, period_start, balance,
                                    created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
     on conflict (scope, meter, period) do ${
       onlyIfMissing
         ? 'nothing'
         : `update set limit_amount = excluded.limit_amount, refill_amount = excluded.refill_amount,
                  refill_every_ms = excluded.refill_every_ms, updated_at = excluded.updated_at
            where not holdfast.accounts.limit_override`
     }`,
    [
      spec.scope,
      spec.meter,
      spec.period,
      spec.limit,
      spec.refillAmount ?? null,
      spec.refillEveryMs ?? null,
      new Date(start).toISOString(),
      spec.period === 'refill' ? spec.limit : null,
      new Date(now).toISOString(),
    ],
  );
}
