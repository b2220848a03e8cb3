-- Budgets. An account is (scope, meter, period) with a limit; holds on it are reservations; every
-- movement is journalled, so spend can be audited (and overspend ruled out) step by step.

create table holdfast.accounts (
  id bigint generated always as identity primary key,
  -- 'global' or 'tenant:<id>'.
  scope text not null,
  -- 'openai:tokens', 'usd', 'requests', 'keepa:tokens'…
  meter text not null,
  -- 'day' | 'month' | 'none' | 'refill'.
  period text not null,
  limit_amount numeric not null,
  -- Refill buckets: `refill_amount` every `refill_every_ms`, up to limit_amount (the capacity).
  refill_amount numeric,
  refill_every_ms bigint,
  -- Start of the current period (day/month, UTC calendar-aligned), or the last refill (buckets).
  period_start timestamptz not null,
  -- Settled spend in the current period (buckets: since the last refill correction, for reports).
  used numeric not null default 0,
  -- Held by reservations not yet settled or released.
  reserved numeric not null default 0,
  -- Buckets only: tokens in the bucket (reserved ones included).
  balance numeric,
  -- Operator credit for the current period, added to the limit.
  credited numeric not null default 0,
  -- An operator set this limit by hand: configuration does not overwrite it.
  limit_override boolean not null default false,
  -- Thresholds (0.8, 1.0…) already announced in the current period.
  thresholds_fired jsonb not null default '[]',
  -- Key of the period last reset by an operator ('2026-11', '2026-11-22').
  last_reset_key text,
  last_reset_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  constraint accounts_period_check check (period in ('day', 'month', 'none', 'refill')),
  constraint accounts_scope_check check (scope = 'global' or scope like 'tenant:%'),
  unique (scope, meter, period)
);

create table holdfast.reservations (
  id uuid primary key,
  -- 'job': a job's hold, taken at submit; 'call': one provider call's worst case.
  kind text not null,
  job_id uuid,
  -- The lease epoch of the attempt that made a call (a reservation of a dead attempt is reaped).
  epoch integer,
  tenant text,
  state text not null,
  -- [{ "account": id, "amount": n, "fromJob": m }]: amount held per account, and for a call, the
  -- part drawn from its job's hold.
  lines jsonb not null,
  -- A call's worst case per meter; what it was charged, per meter, once settled.
  meters jsonb not null default '{}',
  charged jsonb,
  -- A job's tally: its caps per meter (the pipeline's budget), what its calls were charged so
  -- far, and what its calls hold right now.
  caps jsonb,
  spent jsonb not null default '{}',
  inflight jsonb not null default '{}',
  expires_at timestamptz,
  created_at timestamptz not null,
  closed_at timestamptz,
  constraint reservations_kind_check check (kind in ('job', 'call')),
  constraint reservations_state_check check (state in ('held', 'settled', 'released'))
);

create index reservations_job_idx on holdfast.reservations (job_id, kind) where state = 'held';
create index reservations_open_idx on holdfast.reservations (created_at) where state = 'held';

create table holdfast.ledger_entries (
  id bigint generated always as identity primary key,
  account_id bigint not null,
  reservation_id uuid,
  -- 'reserve' | 'settle' | 'release' | 'reap' | 'rollover' | 'refill' | 'credit' | 'limit' | 'reset' | 'correct'.
  kind text not null,
  delta_reserved numeric not null default 0,
  delta_used numeric not null default 0,
  -- The account after the movement: used + reserved never exceeds limit + credited.
  used_after numeric not null,
  reserved_after numeric not null,
  limit_after numeric not null,
  balance_after numeric,
  at timestamptz not null
);

create index ledger_entries_account_idx on holdfast.ledger_entries (account_id, id);

create table holdfast.usage_daily (
  day date not null,
  provider text not null,
  tenant text not null default '',
  meter text not null,
  model text not null default '',
  calls bigint not null default 0,
  tokens_in bigint not null default 0,
  tokens_out bigint not null default 0,
  tokens_cached bigint not null default 0,
  cost_usd numeric not null default 0,
  primary key (day, provider, tenant, meter, model)
);
