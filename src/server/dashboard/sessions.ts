import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { Sql, Store } from '../../store/store.js';
import type { Clock } from '../../time/clock.js';
import type { SessionCredentials, SessionVerifier } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { readCookie, sessionCookieName } from './session-cookie.js';

/** Who a session or a sign-in link stands for: the admin, or one tenant's key. */
export type SessionOwner =
  | { readonly kind: 'admin'; readonly keyId: string }
  | { readonly kind: 'tenant'; readonly tenant: string; readonly keyId: string };

/** A session just opened: the secret goes in the cookie, the CSRF token to the page. */
export interface OpenedSession {
  readonly secret: string;
  readonly csrfToken: string;
  readonly owner: SessionOwner;
  readonly expiresAt: number;
}

interface SessionRow {
  role: 'admin' | 'tenant';
  tenant: string | null;
  key_id: string;
  expires_at: Date;
}

type Cached = { readonly owner: SessionOwner; readonly expiresAt: number } | { readonly gone: true };

const linkPrefix = 'hfl_';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The dashboard's cookie sessions and one-time sign-in links, in the database so that every API
 * process of a deployment accepts them. Only SHA-256 hashes are stored. A session ends at its
 * expiry, when the browser signs out, or when the key it was opened with is revoked (or the
 * admin key rotated). Verified sessions are cached for `cacheTtlMs`, like API keys.
 *
 * CSRF: the session cookie is SameSite=Strict and the API only takes JSON bodies, which other
 * sites cannot send without a CORS preflight this server never grants. On top of that every
 * state-changing request made with the cookie must carry `X-CSRF-Token`, an HMAC of the session's
 * secret that only the dashboard's own page receives, and a request whose `Origin` is another
 * site is refused whatever its method (this covers the WebSocket handshake).
 */
export class Sessions implements SessionVerifier {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #linkTtlMs: number;
  readonly #cache: LRUCache<string, Cached>;

  constructor(store: Store, clock: Clock, options: { ttlMs: number; linkTtlMs: number; cacheTtlMs: number }) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = options.ttlMs;
    this.#linkTtlMs = options.linkTtlMs;
    this.#cache = new LRUCache<string, Cached>({
      max: 10_000,
      ttl: Math.max(1, options.cacheTtlMs),
      // The cache ages on Holdfast's clock, like everything else that expires here.
      perf: { now: () => clock.now() },
    });
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  /** Opens a session for the owner of a verified key. */
  async open(owner: SessionOwner): Promise<OpenedSession> {
    return this.#store.transaction(async (tx) => this.#insert(tx, owner));
  }

  /** The principal of a request that came with the session cookie (and no other credential). */
  async principal(credentials: SessionCredentials): Promise<Principal | undefined> {
    const secret = readCookie(credentials.cookie, sessionCookieName);
    if (secret === undefined) return undefined;
    checkOrigin(credentials);
    const { owner } = await this.verify(secret);
    if (!safeMethods.has(credentials.method.toUpperCase())) this.checkCsrf(secret, credentials.csrfToken);
    return owner.kind === 'admin'
      ? { kind: 'admin', via: 'session' }
      : { kind: 'tenant', tenant: owner.tenant, keyId: owner.keyId };
  }

  /** The session a secret opens; SESSION_EXPIRED when it is over or unknown. */
  async verify(secret: string): Promise<{ owner: SessionOwner; expiresAt: number }> {
    const hash = sha256(secret);
    const now = this.#clock.now();
    let cached = this.#cache.get(hash);
    if (cached === undefined) {
      cached = await this.#lookup(hash, now);
      this.#cache.set(hash, cached);
    }
    if ('gone' in cached) throw holdfastError('SESSION_EXPIRED', { reason: await this.#whyGone(hash, now) });
    if (cached.expiresAt <= now) {
      this.#cache.delete(hash);
      throw holdfastError('SESSION_EXPIRED', { reason: 'expired' });
    }
    return cached;
  }

  /** Ends a session (sign-out); ending it twice is harmless. */
  async close(secret: string): Promise<void> {
    const hash = sha256(secret);
    await this.#store.query('delete from holdfast.sessions where hash = $1', [hash]);
    this.#cache.delete(hash);
  }

  /** The CSRF token of a session: derived from its secret, so nothing more is stored. */
  csrfToken(secret: string): string {
    return createHmac('sha256', secret).update('holdfast dashboard csrf').digest('base64url');
  }

  checkCsrf(secret: string, presented: string | undefined): void {
    if (presented === undefined || presented === '')
      throw holdfastError('CSRF_REJECTED', { reason: 'missing' });
    const expected = Buffer.from(this.csrfToken(secret));
    const given = Buffer.from(presented);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw holdfastError('CSRF_REJECTED', { reason: 'mismatch' });
    }
  }

  /**
   * A one-time sign-in link token for the admin (what `holdfast start` prints): stored hashed,
   * valid for `linkTtlMs` (15 min by default), and good for exactly one sign-in.
   */
  async createLink(owner: SessionOwner = { kind: 'admin', keyId: 'admin' }): Promise<{
    token: string;
    expiresAt: number;
  }> {
    const token = `${linkPrefix}${randomBytes(32).toString('base64url')}`;
    const now = this.#clock.now();
    const expiresAt = now + this.#linkTtlMs;
    await this.#store.transaction(async (tx) => {
      // Old links are of no use to anyone: dropped as new ones are made.
      await tx.query('delete from holdfast.sign_in_links where expires_at < $1', [iso(now - 86_400_000)]);
      await tx.query(
        `insert into holdfast.sign_in_links (hash, role, tenant, key_id, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6)`,
        [
          sha256(token),
          owner.kind,
          owner.kind === 'tenant' ? owner.tenant : null,
          owner.keyId,
          iso(now),
          iso(expiresAt),
        ],
      );
    });
    return { token, expiresAt };
  }

  /**
   * Exchanges a sign-in link's token for a session. The link is marked used in the same
   * transaction that opens the session, by a conditional update: of two browsers racing with the
   * same link, exactly one signs in.
   */
  async redeemLink(token: string): Promise<OpenedSession> {
    const hash = sha256(token);
    const now = this.#clock.now();
    return this.#store.transaction(async (tx) => {
      const { rows } = await tx.query<{ role: 'admin' | 'tenant'; tenant: string | null; key_id: string }>(
        `update holdfast.sign_in_links set used_at = $2
          where hash = $1 and used_at is null and expires_at > $2
          returning role, tenant, key_id`,
        [hash, iso(now)],
      );
      const row = rows[0];
      if (!row) {
        const { rows: found } = await tx.query<{ used_at: Date | null }>(
          'select used_at from holdfast.sign_in_links where hash = $1',
          [hash],
        );
        const reason = found[0] === undefined ? 'unknown' : found[0].used_at !== null ? 'used' : 'expired';
        throw holdfastError('SIGN_IN_LINK_INVALID', { reason });
      }
      const { rows: keys } = await tx.query<{ id: string }>(
        'select id from holdfast.api_keys where id = $1 and revoked_at is null',
        [row.key_id],
      );
      if (keys.length === 0) throw holdfastError('SIGN_IN_LINK_INVALID', { reason: 'expired' });
      return this.#insert(tx, ownerOf(row));
    });
  }

  async #insert(tx: Sql, owner: SessionOwner): Promise<OpenedSession> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.#clock.now();
    const expiresAt = now + this.#ttlMs;
    await tx.query('delete from holdfast.sessions where expires_at < $1', [iso(now)]);
    await tx.query(
      `insert into holdfast.sessions (hash, role, tenant, key_id, created_at, expires_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [
        sha256(secret),
        owner.kind,
        owner.kind === 'tenant' ? owner.tenant : null,
        owner.keyId,
        iso(now),
        iso(expiresAt),
      ],
    );
    return { secret, csrfToken: this.csrfToken(secret), owner, expiresAt };
  }

  /**
   * A live session whose key is still valid. A key made (or the admin key rotated) after the
   * session opened means the key it was opened with is gone.
   */
  async #lookup(hash: string, now: number): Promise<Cached> {
    const { rows } = await this.#store.query<SessionRow>(
      `select s.role, s.tenant, s.key_id, s.expires_at
         from holdfast.sessions s join holdfast.api_keys k on k.id = s.key_id
        where s.hash = $1 and s.expires_at > $2 and k.revoked_at is null and k.created_at <= s.created_at`,
      [hash, iso(now)],
    );
    const row = rows[0];
    return row ? { owner: ownerOf(row), expiresAt: row.expires_at.getTime() } : { gone: true };
  }

  /** Why a session is refused, for the message: only read on that (rare) path. */
  async #whyGone(hash: string, now: number): Promise<'expired' | 'revoked' | 'unknown'> {
    const { rows } = await this.#store.query<{ expires_at: Date }>(
      'select expires_at from holdfast.sessions where hash = $1',
      [hash],
    );
    if (rows[0] === undefined) return 'unknown';
    return rows[0].expires_at.getTime() <= now ? 'expired' : 'revoked';
  }
}

/** A request whose Origin names another site is refused: browsers set Origin truthfully. */
function checkOrigin(credentials: SessionCredentials): void {
  const { origin, host } = credentials;
  if (origin === undefined || origin === '') return;
  let from: string;
  try {
    from = new URL(origin).host;
  } catch {
    throw holdfastError('CSRF_REJECTED', { reason: 'origin', origin: origin.slice(0, 200) });
  }
  if (host === undefined || from.toLowerCase() !== host.toLowerCase()) {
    throw holdfastError('CSRF_REJECTED', { reason: 'origin', origin: origin.slice(0, 200) });
  }
}

function ownerOf(row: { role: 'admin' | 'tenant'; tenant: string | null; key_id: string }): SessionOwner {
  return row.role === 'admin'
    ? { kind: 'admin', keyId: row.key_id }
    : { kind: 'tenant', tenant: row.tenant!, keyId: row.key_id };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
