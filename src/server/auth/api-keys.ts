import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../time/clock.js';
import type { Principal } from './principal.js';

/** What `keys list` and `GET /v1/keys` show of a key: never the key, never its hash. */
export interface KeyInfo {
  readonly id: string;
  readonly role: 'admin' | 'tenant';
  readonly tenant: string | null;
  readonly name: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

interface KeyRow {
  id: string;
  role: 'admin' | 'tenant';
  tenant: string | null;
  name: string | null;
  hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A cache entry: the key's row, or none (an unknown id is cached too, so guessing costs no query). */
type Cached = { readonly row: KeyRow | undefined };

/** NOTIFY channel telling other API processes that a key changed (revoked, rotated). */
export const keysChannel = 'holdfast_keys';
const adminId = 'admin';
const keyPattern = /^hf_([a-z0-9]{1,32})_([A-Za-z0-9_-]{16,200})$/;
const tenantPattern = /^[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,127}$/;
const lastUsedEveryMs = 60_000;

/**
 * API keys: the admin key and tenant keys. A key is `hf_<id>_<secret>`, shown once when made and
 * stored only as its SHA-256; a presented key is looked up by its id and its hash compared in
 * constant time. Keys are cached for a few seconds (`ttlMs`) so that authentication costs no
 * query per request; a revocation reaches every API process at once on PostgreSQL (NOTIFY), and
 * within `ttlMs` at worst.
 */
export class ApiKeys {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cache: LRUCache<string, Cached>;
  readonly #lastUsedWritten = new Map<string, number>();
  #unlisten: (() => Promise<void>) | undefined;

  constructor(store: Store, clock: Clock, ttlMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#cache = new LRUCache<string, Cached>({ max: 10_000, ttl: Math.max(1, ttlMs) });
  }

  async start(): Promise<void> {
    if (!this.#store.shared || this.#unlisten) return;
    this.#unlisten = await this.#store.listen(keysChannel, (id) => this.#cache.delete(id), {
      onReconnect: () => this.#cache.clear(),
    });
  }

  async stop(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    await unlisten?.();
  }

  /** The principal a presented key stands for; UNAUTHORIZED (invalid or revoked) otherwise. */
  async verify(presented: string): Promise<Principal> {
    const match = keyPattern.exec(presented);
    // A key set through HOLDFAST_ADMIN_KEY may have any form: anything else is compared with it.
    const id = match?.[1] ?? adminId;
    const row = await this.#lookup(id);
    const hash = Buffer.from(hashKey(presented), 'base64url');
    // Compared even when the id is unknown, against a decoy, so that timing tells nothing.
    const expected = row ? Buffer.from(row.hash, 'base64url') : decoy;
    const same = expected.length === hash.length && timingSafeEqual(expected, hash);
    if (!row || !same) throw holdfastError('UNAUTHORIZED', { reason: 'invalid' });
    if (row.revoked_at !== null) throw holdfastError('UNAUTHORIZED', { reason: 'revoked' });
    this.#noteUse(row.id);
    return row.role === 'admin'
      ? { kind: 'admin', via: 'key' }
      : { kind: 'tenant', tenant: row.tenant!, keyId: row.id };
  }

  /** Makes a tenant key (and the tenant, the first time); the key is in the answer, and only there. */
  async create(options: {
    tenant: string;
    name?: string | undefined;
  }): Promise<{ key: string; info: KeyInfo }> {
    if (typeof options.tenant !== 'string' || !tenantPattern.test(options.tenant)) {
      throw holdfastError('VALIDATION_ERROR', {
        field: 'tenant',
        issues: [{ path: 'tenant', message: "must be 1–128 letters, digits, '.', '_', ':', '@' or '-'" }],
        subject: 'key',
      });
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length > 200)) {
      throw holdfastError('VALIDATION_ERROR', {
        field: 'name',
        issues: [{ path: 'name', message: 'must be a text of at most 200 characters' }],
        subject: 'key',
      });
    }
    const id = randomBytes(8).toString('hex').slice(0, 10);
    const key = `hf_${id}_${randomBytes(32).toString('base64url')}`;
    const now = new Date(this.#clock.now()).toISOString();
    const row = await this.#store.transaction(async (tx) => {
      await tx.query(
        'insert into holdfast.tenants (id, created_at) values ($1, $2) on conflict (id) do nothing',
        [options.tenant, now],
      );
      const { rows } = await tx.query<KeyRow>(
        `insert into holdfast.api_keys (id, role, tenant, name, hash, created_at)
         values ($1, 'tenant', $2, $3, $4, $5) returning *`,
        [id, options.tenant, options.name ?? null, hashKey(key), now],
      );
      return rows[0]!;
    });
    this.#cache.delete(id);
    return { key, info: infoOf(row) };
  }

  async list(filter: { tenant?: string | undefined } = {}): Promise<KeyInfo[]> {
    const { rows } = await this.#store.query<KeyRow>(
      filter.tenant === undefined
        ? 'select * from holdfast.api_keys order by created_at, id'
        : 'select * from holdfast.api_keys where tenant = $1 order by created_at, id',
      filter.tenant === undefined ? [] : [filter.tenant],
    );
    return rows.map(infoOf);
  }

  /** Tenants known to the key store, with how many live keys each has. */
  async tenants(): Promise<Array<{ id: string; createdAt: string; keys: number }>> {
    const { rows } = await this.#store.query<{ id: string; created_at: Date; keys: number }>(
      `select t.id, t.created_at, count(k.id) filter (where k.revoked_at is null)::int as keys
         from holdfast.tenants t left join holdfast.api_keys k on k.tenant = t.id
        group by t.id, t.created_at order by t.id`,
    );
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at.toISOString(), keys: r.keys }));
  }

  /** Revokes a tenant key (the admin key is rotated, not revoked); revoking twice is harmless. */
  async revoke(id: string): Promise<KeyInfo> {
    if (id === adminId) {
      throw holdfastError('CONFLICT', {
        kind: 'key',
        id,
        state: 'the admin key',
        allowed: ['a tenant key (rotate the admin key with `holdfast keys rotate-admin`)'],
      });
    }
    const now = new Date(this.#clock.now()).toISOString();
    const row = await this.#store.transaction(async (tx) => {
      const { rows } = await tx.query<KeyRow>(
        `update holdfast.api_keys set revoked_at = coalesce(revoked_at, $2) where id = $1 returning *`,
        [id, now],
      );
      if (rows[0] && this.#store.shared) await tx.query('select pg_notify($1, $2)', [keysChannel, id]);
      return rows[0];
    });
    if (!row) throw holdfastError('NOT_FOUND', { kind: 'key', id });
    this.#cache.delete(id);
    return infoOf(row);
  }

  /**
   * Makes sure an admin key exists. `key` (from HOLDFAST_ADMIN_KEY) becomes the admin key;
   * otherwise one is generated the first time, or when `rotate` asks for a new one, and returned
   * so it can be shown — once: only its hash is kept. Two processes starting together agree on one.
   */
  async ensureAdmin(options: { key?: string | undefined; rotate?: boolean } = {}): Promise<{
    readonly source: 'environment' | 'generated' | 'existing';
    readonly key?: string;
  }> {
    const now = new Date(this.#clock.now()).toISOString();
    if (options.key !== undefined) {
      if (options.key.length < 16) {
        throw holdfastError('CONFIG_INVALID', {
          option: 'HOLDFAST_ADMIN_KEY',
          problem: 'must be at least 16 characters long',
          problemFr: 'doit compter au moins 16 caractères',
          source: 'the environment',
        });
      }
      await this.#writeAdmin(hashKey(options.key), now, true);
      return { source: 'environment' };
    }
    const key = `hf_admin_${randomBytes(32).toString('base64url')}`;
    const written = await this.#writeAdmin(hashKey(key), now, options.rotate ?? false);
    return written ? { source: 'generated', key } : { source: 'existing' };
  }

  async #writeAdmin(hash: string, now: string, replace: boolean): Promise<boolean> {
    const { rows } = await this.#store.query<{ id: string }>(
      `insert into holdfast.api_keys (id, role, tenant, name, hash, created_at) values ($1, 'admin', null, 'admin', $2, $3)
       on conflict (id) do ${replace ? 'update set hash = excluded.hash, created_at = excluded.created_at, revoked_at = null where holdfast.api_keys.hash <> excluded.hash' : 'nothing'}
       returning id`,
      [adminId, hash, now],
    );
    if (rows.length > 0 && this.#store.shared)
      await this.#store.query('select pg_notify($1, $2)', [keysChannel, adminId]);
    this.#cache.delete(adminId);
    return rows.length > 0;
  }

  async #lookup(id: string): Promise<KeyRow | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return cached.row;
    const { rows } = await this.#store.query<KeyRow>('select * from holdfast.api_keys where id = $1', [id]);
    this.#cache.set(id, { row: rows[0] });
    return rows[0];
  }

  /** Records when a key was last used, at most once a minute per key, without delaying the request. */
  #noteUse(id: string): void {
    const now = this.#clock.now();
    if (now - (this.#lastUsedWritten.get(id) ?? 0) < lastUsedEveryMs) return;
    this.#lastUsedWritten.set(id, now);
    void this.#store
      .query('update holdfast.api_keys set last_used_at = $2 where id = $1', [
        id,
        new Date(now).toISOString(),
      ])
      .catch(() => {
        // Bookkeeping only: a failure here must not fail the request it came with.
      });
  }
}

/** SHA-256 of a key, base64url: what is stored instead of the key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

const decoy = createHash('sha256').update('holdfast: no such key').digest();

function infoOf(row: KeyRow): KeyInfo {
  return {
    id: row.id,
    role: row.role,
    tenant: row.tenant,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
