-- The dashboard's cookie sessions and one-time sign-in links. Like API keys, only hashes are
-- stored: a session's secret lives in the browser's cookie, a link's token in the link.

create table holdfast.sessions (
  -- SHA-256 of the cookie's secret (base64url).
  hash text primary key,
  role text not null,
  tenant text,
  -- The API key the session was opened with: revoking that key (or rotating the admin key) ends
  -- every session opened with it.
  key_id text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  constraint sessions_role_check check (role in ('admin', 'tenant')),
  constraint sessions_tenant_check check ((role = 'tenant') = (tenant is not null))
);

create index sessions_expires_idx on holdfast.sessions (expires_at);

create table holdfast.sign_in_links (
  -- SHA-256 of the link's token (base64url).
  hash text primary key,
  role text not null,
  tenant text,
  key_id text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  -- Set by the one sign-in the link allows; a second use finds it set and is refused.
  used_at timestamptz,
  constraint sign_in_links_role_check check (role in ('admin', 'tenant'))
);

create index sign_in_links_expires_idx on holdfast.sign_in_links (expires_at);
