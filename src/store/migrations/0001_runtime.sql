-- Jobs, their steps, their timeline of events, and idempotency keys.
-- Times are written by the application's clock (passed as parameters) so that tests can drive
-- retries and leases with a fake clock; a shared deployment relies on NTP-synchronised hosts.

create table holdfast.jobs (
  id uuid primary key,
  pipeline text not null,
  tenant text,
  state text not null,
  input jsonb not null,
  output jsonb,
  error jsonb,
  -- Last progress reported: { step, done, total, unit, percent, message }.
  progress jsonb,
  current_step text,
  -- Attempt number of the current run (1 for the first); a take-over after a crash keeps it.
  attempt integer not null default 0,
  max_attempts integer not null,
  -- When a queued or waiting job may start.
  run_at timestamptz not null,
  wait_reason text,
  -- The delay chosen before the last retry (decorrelated jitter grows from it).
  retry_delay_ms integer,
  timeout_ms bigint,
  -- Wall-clock deadline of the current run, fixed when the run first starts.
  deadline_at timestamptz,
  -- Fencing token: incremented at every claim; a commit must present the epoch it claimed with.
  lease_epoch integer not null default 0,
  lease_owner text,
  lease_expires_at timestamptz,
  takeovers integer not null default 0,
  cancel_requested boolean not null default false,
  cancel_reason text,
  -- Sequence number of the job's last event.
  event_seq integer not null default 0,
  idempotency_key text,
  -- Estimated usage per meter, held on the budgets at submit (filled in by the ledger).
  estimate jsonb,
  created_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null,
  constraint jobs_state_check check (state in ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'))
);

-- Every state change updates a job row, so indexes are few and partial where they can be:
-- an index whose predicate the new row version does not match costs that update nothing.
-- The claim query walks this index: due jobs in run_at order.
create index jobs_ready_idx on holdfast.jobs (run_at, id) where state in ('queued', 'waiting');
-- The take-over of dead workers' jobs scans running jobs (few: at most the workers' concurrency).
-- lease_expires_at is deliberately not indexed, so heartbeats can be HOT updates.
create index jobs_running_idx on holdfast.jobs (id) where state = 'running';
create index jobs_created_idx on holdfast.jobs (created_at desc, id desc);
-- Listing by state: succeeded jobs are the bulk and are listed through jobs_created_idx.
create index jobs_state_created_idx on holdfast.jobs (state, created_at desc) where state <> 'succeeded';
create index jobs_tenant_created_idx on holdfast.jobs (tenant, created_at desc) where tenant is not null;
-- Room on each page for updated row versions (HOT updates).
alter table holdfast.jobs set (fillfactor = 80);

create table holdfast.steps (
  job_id uuid not null references holdfast.jobs (id) on delete cascade,
  name text not null,
  state text not null,
  -- The job attempt in which the step last ran, and how many times it was started in all.
  attempt integer not null,
  runs integer not null default 1,
  output jsonb,
  error jsonb,
  progress jsonb,
  has_compensation boolean not null default false,
  compensated_at timestamptz,
  started_at timestamptz not null,
  finished_at timestamptz,
  primary key (job_id, name),
  constraint steps_state_check check (state in ('running', 'succeeded', 'failed'))
);

create table holdfast.events (
  id bigint generated always as identity primary key,
  job_id uuid,
  -- Per-job sequence number: events of one job are numbered 1, 2, 3… without gaps.
  seq integer,
  type text not null,
  tenant text,
  payload jsonb not null,
  at timestamptz not null
);

create unique index events_job_seq_idx on holdfast.events (job_id, seq) where job_id is not null;
create index events_at_idx on holdfast.events (at);

create table holdfast.idempotency_keys (
  scope text not null,
  key text not null,
  job_id uuid not null,
  input_hash text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  primary key (scope, key)
);

create index idempotency_keys_expires_idx on holdfast.idempotency_keys (expires_at);
