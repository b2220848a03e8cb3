import type { AnyNewEvent } from '../events/event-map.js';
import type { Sql } from '../store/store.js';
import {
  type Account,
  crossedThresholds,
  effectiveLimit,
  nextResetAt,
  rollOver,
  usedFraction,
} from './account.js';

/** One line of a hold: an amount held on an account (for a call, partly drawn from its job's hold). */
export interface HoldLine {
  readonly account: number;
  readonly meter: string;
  amount: number;
  fromJob: number;
}

export interface Reservation {
  readonly id: string;
  readonly kind: 'job' | 'call';
  readonly jobId: string | null;
  readonly epoch: number | null;
  readonly tenant: string | null;
  state: 'held' | 'settled' | 'released';
  lines: HoldLine[];
  /** A call's worst case per meter. */
  meters: Record<string, number>;
  charged: Record<string, number> | null;
  caps: Record<string, number> | null;
  spent: Record<string, number>;
  inflight: Record<string, number>;
  expiresAt: number | null;
  readonly createdAt: number;
  closedAt: number | null;
}

export type EntryKind =
  | 'reserve'
  | 'settle'
  | 'release'
  | 'reap'
  | 'rollover'
  | 'refill'
  | 'credit'
  | 'limit'
  | 'reset'
  | 'correct';

interface Entry {
  account_id: number;
  reservation_id: string | null;
  kind: EntryKind;
  delta_reserved: number;
  delta_used: number;
  used_after: number;
  reserved_after: number;
  limit_after: number;
  balance_after: number | null;
  at: string;
}

export interface UsageRollup {
  day: string;
  provider: string;
  tenant: string;
  meter: string;
  model: string;
  calls: number;
  tokens_in: number;
  tokens_out: number;
  tokens_cached: number;
  cost_usd: number;
}

/**
 * The rows one ledger transaction works on, locked (FOR UPDATE, reservations then accounts, each
 * by id: one order everywhere, so no deadlock), brought up to date (periods rolled over, buckets
 * refilled), changed in memory movement by movement, then written back in a few statements.
 * Every movement is journalled with the account's figures after it.
 */
export class WorkingSet {
  readonly accounts = new Map<number, Account>();
  readonly reservations = new Map<string, Reservation>();
  readonly #changedAccounts = new Set<number>();
  readonly #newReservations = new Set<string>();
  readonly #changedReservations = new Set<string>();
  readonly #entries: Entry[] = [];
  readonly #usage = new Map<string, UsageRollup>();
  readonly events: AnyNewEvent[] = [];

  private constructor(
    readonly now: number,
    readonly thresholds: readonly number[],
  ) {}

  static async load(
    tx: Sql,
    request: {
      reservationIds?: readonly string[];
      jobIds?: readonly string[];
      accountIds?: readonly number[];
      scopes?: readonly string[];
      meters?: readonly string[];
    },
    now: number,
    thresholds: readonly number[],
  ): Promise<WorkingSet> {
    const ws = new WorkingSet(now, thresholds);
    const ids = request.reservationIds ?? [];
    const jobs = request.jobIds ?? [];
    if (ids.length > 0 || jobs.length > 0) {
      const { rows } = await tx.query<ReservationRow>(
        `select * from holdfast.reservations
          where id = any($1::uuid[]) or (kind = 'job' and state = 'held' and job_id = any($2::uuid[]))
          order by id for update`,
        [ids, jobs],
        { prepare: 'holdfast_ledger_lock_reservations' },
      );
      for (const row of rows) ws.reservations.set(row.id, reservationFromRow(row));
    }
    const accountIds = new Set(request.accountIds ?? []);
    for (const r of ws.reservations.values()) for (const line of r.lines) accountIds.add(line.account);
    const scopes = request.scopes ?? [];
    const meters = request.meters ?? [];
    if (accountIds.size > 0 || (scopes.length > 0 && meters.length > 0)) {
      const { rows } = await tx.query<AccountRow>(
        `select * from holdfast.accounts
          where id = any($1::int8[]) or (scope = any($2::text[]) and meter = any($3::text[]))
          order by id for update`,
        [[...accountIds], scopes, meters],
        { prepare: 'holdfast_ledger_lock_accounts' },
      );
      for (const row of rows) {
        const { account, kind } = rollOver(accountFromRow(row), now);
        ws.accounts.set(account.id, account);
        if (kind) ws.record(account.id, null, kind, 0, 0);
      }
    }
    return ws;
  }

  /** Accounts that apply to a tenant (or to global spend) for a meter. */
  accountsFor(tenant: string | null, meter: string): Account[] {
    const scope = tenant === null ? undefined : `tenant:${tenant}`;
    return [...this.accounts.values()].filter(
      (a) => a.meter === meter && (a.scope === 'global' || a.scope === scope),
    );
  }

  /** Changes an account and journals the movement. */
  move(
    id: number,
    reservation: string | null,
    kind: EntryKind,
    change: { reserved?: number; used?: number; balance?: number },
  ): Account {
    const before = this.accounts.get(id)!;
    const after: Account = {
      ...before,
      reserved: round(before.reserved + (change.reserved ?? 0)),
      used: round(before.used + (change.used ?? 0)),
      balance: before.balance === undefined ? undefined : round(before.balance + (change.balance ?? 0)),
    };
    this.accounts.set(id, after);
    this.record(id, reservation, kind, change.reserved ?? 0, change.used ?? 0);
    if ((change.used ?? 0) > 0 || (change.balance ?? 0) < 0) this.#thresholds(after);
    return after;
  }

  replace(account: Account, kind: EntryKind): void {
    this.accounts.set(account.id, account);
    this.record(account.id, null, kind, 0, 0);
  }

  addReservation(reservation: Reservation): void {
    this.reservations.set(reservation.id, reservation);
    this.#newReservations.add(reservation.id);
  }

  touch(reservation: Reservation): void {
    if (!this.#newReservations.has(reservation.id)) this.#changedReservations.add(reservation.id);
  }

  rollup(row: Omit<UsageRollup, 'day'>): void {
    const day = new Date(this.now).toISOString().slice(0, 10);
    const key = `${day}|${row.provider}|${row.tenant}|${row.meter}|${row.model}`;
    const existing = this.#usage.get(key);
    if (!existing) {
      this.#usage.set(key, { day, ...row });
      return;
    }
    existing.calls += row.calls;
    existing.tokens_in += row.tokens_in;
    existing.tokens_out += row.tokens_out;
    existing.tokens_cached += row.tokens_cached;
    existing.cost_usd = round(existing.cost_usd + row.cost_usd);
  }

  record(
    id: number,
    reservation: string | null,
    kind: EntryKind,
    deltaReserved: number,
    deltaUsed: number,
  ): void {
    const a = this.accounts.get(id)!;
    this.#changedAccounts.add(id);
    this.#entries.push({
      account_id: id,
      reservation_id: reservation,
      kind,
      delta_reserved: deltaReserved,
      delta_used: deltaUsed,
      used_after: a.used,
      reserved_after: a.reserved,
      limit_after: effectiveLimit(a),
      balance_after: a.balance ?? null,
      at: new Date(this.now).toISOString(),
    });
  }

  /** Writes every change back. */
  /**
   * Writes every change in one statement (data-modifying CTEs): the batch holds the hot account's
   * row lock until commit, so each round trip saved is throughput on that account. The sets are
   * disjoint (a reservation created in this batch is inserted in its final state, never updated),
   * which matters because the CTEs all see the same snapshot.
   */
  async write(tx: Sql): Promise<void> {
    if (
      this.#changedAccounts.size === 0 &&
      this.#newReservations.size === 0 &&
      this.#changedReservations.size === 0 &&
      this.#entries.length === 0 &&
      this.#usage.size === 0
    )
      return;
    const reservations = (ids: Set<string>) =>
      JSON.stringify([...ids].map((id) => reservationToRow(this.reservations.get(id)!)));
    await tx.query(
      `with changed_accounts as (
         update holdfast.accounts a set period_start = x.period_start, used = x.used, reserved = x.reserved,
                balance = x.balance, credited = x.credited, thresholds_fired = x.thresholds_fired,
                limit_amount = x.limit_amount, limit_override = x.limit_override, updated_at = x.updated_at
           from jsonb_to_recordset($1::jsonb) as x(id int8, period_start timestamptz, used numeric, reserved numeric,
                balance numeric, credited numeric, thresholds_fired jsonb, limit_amount numeric, limit_override boolean,
                updated_at timestamptz)
          where a.id = x.id
          returning 1
       ), new_reservations as (
         insert into holdfast.reservations (id, kind, job_id, epoch, tenant, state, lines, meters, charged, caps, spent,
                                            inflight, expires_at, created_at, closed_at)
         select x.id, x.kind, x.job_id, x.epoch, x.tenant, x.state, x.lines, x.meters, x.charged, x.caps, x.spent, x.inflight,
                x.expires_at, x.created_at, x.closed_at
           from jsonb_to_recordset($2::jsonb) as x(id uuid, kind text, job_id uuid, epoch int, tenant text, state text,
                lines jsonb, meters jsonb, charged jsonb, caps jsonb, spent jsonb, inflight jsonb, expires_at timestamptz,
                created_at timestamptz, closed_at timestamptz)
         returning 1
       ), changed_reservations as (
         update holdfast.reservations r set state = x.state, lines = x.lines, charged = x.charged, spent = x.spent,
                inflight = x.inflight, closed_at = x.closed_at
           from jsonb_to_recordset($3::jsonb) as x(id uuid, state text, lines jsonb, charged jsonb, spent jsonb,
                inflight jsonb, closed_at timestamptz)
          where r.id = x.id
          returning 1
       ), entries as (
         insert into holdfast.ledger_entries (account_id, reservation_id, kind, delta_reserved, delta_used, used_after,
                                              reserved_after, limit_after, balance_after, at)
         select x.account_id, x.reservation_id, x.kind, x.delta_reserved, x.delta_used, x.used_after, x.reserved_after,
                x.limit_after, x.balance_after, x.at
           from jsonb_to_recordset($4::jsonb) as x(account_id int8, reservation_id uuid, kind text, delta_reserved numeric,
                delta_used numeric, used_after numeric, reserved_after numeric, limit_after numeric, balance_after numeric,
                at timestamptz)
         returning 1
       ), usage as (
         insert into holdfast.usage_daily as u (day, provider, tenant, meter, model, calls, tokens_in, tokens_out,
                                                tokens_cached, cost_usd)
         select x.day, x.provider, x.tenant, x.meter, x.model, x.calls, x.tokens_in, x.tokens_out, x.tokens_cached, x.cost_usd
           from jsonb_to_recordset($5::jsonb) as x(day date, provider text, tenant text, meter text, model text, calls int8,
                tokens_in int8, tokens_out int8, tokens_cached int8, cost_usd numeric)
         on conflict (day, provider, tenant, meter, model) do update set
           calls = u.calls + excluded.calls, tokens_in = u.tokens_in + excluded.tokens_in,
           tokens_out = u.tokens_out + excluded.tokens_out, tokens_cached = u.tokens_cached + excluded.tokens_cached,
           cost_usd = u.cost_usd + excluded.cost_usd
         returning 1
       )
       select 1`,
      [
        JSON.stringify(
          [...this.#changedAccounts].map((id) => accountToRow(this.accounts.get(id)!, this.now)),
        ),
        reservations(this.#newReservations),
        reservations(this.#changedReservations),
        JSON.stringify(this.#entries),
        JSON.stringify([...this.#usage.values()]),
      ],
      { prepare: 'holdfast_ledger_write' },
    );
  }

  /** quota:warning / quota:exceeded, once per account, period and threshold. */
  #thresholds(account: Account): void {
    const crossed = crossedThresholds(account, this.thresholds);
    if (crossed.length === 0) return;
    this.accounts.set(account.id, { ...account, thresholdsFired: [...account.thresholdsFired, ...crossed] });
    const resetAt = nextResetAt(account);
    for (const threshold of crossed) {
      this.events.push({
        type: threshold >= 1 ? 'quota:exceeded' : 'quota:warning',
        jobId: null,
        seq: null,
        tenant: account.scope.startsWith('tenant:') ? account.scope.slice(7) : null,
        at: this.now,
        payload: {
          scope: account.scope,
          meter: account.meter,
          period: account.period,
          periodStart: new Date(account.periodStart).toISOString(),
          threshold,
          used: account.period === 'refill' ? account.limit - (account.balance ?? 0) : account.used,
          limit: effectiveLimit(account),
          percent: Math.round(usedFraction(account) * 1000) / 10,
          resetAt: resetAt === undefined ? undefined : new Date(resetAt).toISOString(),
        },
      });
    }
  }
}

/** Amounts are kept to micro-units (usd) without floating-point drift. */
export function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

interface AccountRow {
  id: number;
  scope: string;
  meter: string;
  period: Account['period'];
  limit_amount: number;
  refill_amount: number | null;
  refill_every_ms: number | null;
  period_start: Date;
  used: number;
  reserved: number;
  balance: number | null;
  credited: number;
  thresholds_fired: number[];
  limit_override: boolean;
}

export function accountFromRow(row: AccountRow): Account {
  return {
    id: row.id,
    scope: row.scope,
    meter: row.meter,
    period: row.period,
    limit: row.limit_amount,
    refillAmount: row.refill_amount ?? undefined,
    refillEveryMs: row.refill_every_ms ?? undefined,
    periodStart: row.period_start.getTime(),
    used: row.used,
    reserved: row.reserved,
    balance: row.balance ?? undefined,
    credited: row.credited,
    thresholdsFired: row.thresholds_fired,
    limitOverride: row.limit_override,
  };
}

function accountToRow(a: Account, now: number) {
  return {
    id: a.id,
    period_start: new Date(a.periodStart).toISOString(),
    used: a.used,
    reserved: a.reserved,
    balance: a.balance ?? null,
    credited: a.credited,
    thresholds_fired: a.thresholdsFired,
    limit_amount: a.limit,
    limit_override: a.limitOverride,
    updated_at: new Date(now).toISOString(),
  };
}

interface ReservationRow {
  id: string;
  kind: 'job' | 'call';
  job_id: string | null;
  epoch: number | null;
  tenant: string | null;
  state: Reservation['state'];
  lines: HoldLine[];
  meters: Record<string, number>;
  charged: Record<string, number> | null;
  caps: Record<string, number> | null;
  spent: Record<string, number>;
  inflight: Record<string, number>;
  expires_at: Date | null;
  created_at: Date;
  closed_at: Date | null;
}

function reservationFromRow(row: ReservationRow): Reservation {
  return {
    id: row.id,
    kind: row.kind,
    jobId: row.job_id,
    epoch: row.epoch,
    tenant: row.tenant,
    state: row.state,
    lines: row.lines,
    meters: row.meters,
    charged: row.charged,
    caps: row.caps,
    spent: row.spent,
    inflight: row.inflight,
    expiresAt: row.expires_at?.getTime() ?? null,
    createdAt: row.created_at.getTime(),
    closedAt: row.closed_at?.getTime() ?? null,
  };
}

function reservationToRow(r: Reservation) {
  return {
    id: r.id,
    kind: r.kind,
    job_id: r.jobId,
    epoch: r.epoch,
    tenant: r.tenant,
    state: r.state,
    lines: r.lines,
    meters: r.meters,
    charged: r.charged,
    caps: r.caps,
    spent: r.spent,
    inflight: r.inflight,
    expires_at: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
    created_at: new Date(r.createdAt).toISOString(),
    closed_at: r.closedAt === null ? null : new Date(r.closedAt).toISOString(),
  };
}
