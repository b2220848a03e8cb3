-- The HTTP API's principals: tenants, API keys and the secret that signs job tokens.
-- Keys are stored only as hashes: a key is shown once, when it is made, and never again.

create table holdfast.tenants (
  id text primary key,
  created_at timestamptz not null
);

create table holdfast.api_keys (
  -- The key's public part ('hf_<id>_<secret>'); 'admin' for the admin key.
  id text primary key,
  role text not null,
  tenant text references holdfast.tenants (id),
  name text,
  -- SHA-256 of the whole key (base64url); compared in constant time.
  hash text not null,
  created_at timestamptz not null,
  -- Updated at most once a minute per key, so that authentication does not write on every request.
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_role_check check (role in ('admin', 'tenant')),
  constraint api_keys_tenant_check check ((role = 'tenant') = (tenant is not null))
);

create index api_keys_tenant_idx on holdfast.api_keys (tenant) where revoked_at is null;

-- Secrets shared by every API process of a deployment (the job-token signing key).
create table holdfast.server_secrets (
  name text primary key,
  secret text not null,
  created_at timestamptz not null
);

-- Retention (`holdfast cleanup`) walks finished jobs from the oldest. Only finished rows are in
-- this index, and a job enters it once, when it finishes (that update already changes indexed
-- columns, so it costs no HOT update).
create index jobs_finished_idx on holdfast.jobs (finished_at, id) where finished_at is not null;
