import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { Store } from '../../store/store.js';
import type { Principal } from './principal.js';

const prefix = 'hfj_';

/**
 * Short-lived, read-only tokens for one job (`POST /v1/jobs/:id/token`), so that a browser can
 * follow a job's progress without holding a tenant key. A token is the job id, its tenant and an
 * expiry, signed with HMAC-SHA-256; nothing is stored per token. The signing secret lives in the
 * database, so every API process of a deployment accepts the tokens of the others.
 */
export class JobTokens {
  readonly #secret: Buffer;

  private constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** Reads the deployment's signing secret, creating it the first time. */
  static async load(store: Store, now: number): Promise<JobTokens> {
    await store.query(
      `insert into holdfast.server_secrets (name, secret, created_at) values ('job-token', $1, $2)
       on conflict (name) do nothing`,
      [randomBytes(32).toString('base64url'), new Date(now).toISOString()],
    );
    const { rows } = await store.query<{ secret: string }>(
      `select secret from holdfast.server_secrets where name = 'job-token'`,
    );
    return new JobTokens(Buffer.from(rows[0]!.secret, 'base64url'));
  }

  static looksLikeToken(credential: string): boolean {
    return credential.startsWith(prefix);
  }

  sign(job: { id: string; tenant: string | null }, expiresAt: number): string {
    const payload = Buffer.from(JSON.stringify({ j: job.id, t: job.tenant, x: expiresAt })).toString(
      'base64url',
    );
    return `${prefix}${payload}.${this.#mac(payload)}`;
  }

  /** The job principal a token stands for; UNAUTHORIZED (invalid or expired) otherwise. */
  verify(token: string, now: number): Principal {
    const [payload, mac] = token.slice(prefix.length).split('.');
    if (!payload || !mac) throw holdfastError('UNAUTHORIZED', { reason: 'malformed' });
    const expected = Buffer.from(this.#mac(payload), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw holdfastError('UNAUTHORIZED', { reason: 'invalid' });
    }
    let claims: { j?: unknown; t?: unknown; x?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      throw holdfastError('UNAUTHORIZED', { reason: 'malformed' });
    }
    if (typeof claims.j !== 'string' || typeof claims.x !== 'number') {
      throw holdfastError('UNAUTHORIZED', { reason: 'malformed' });
    }
    if (claims.x <= now) throw holdfastError('UNAUTHORIZED', { reason: 'expired' });
    return {
      kind: 'job',
      jobId: claims.j,
      tenant: typeof claims.t === 'string' ? claims.t : null,
      expiresAt: claims.x,
    };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(payload).digest('base64url');
  }
}
