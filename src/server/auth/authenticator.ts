import { createHash, timingSafeEqual } from 'node:crypto';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { Clock } from '../../time/clock.js';
import type { ApiKeys } from './api-keys.js';
import { JobTokens } from './job-tokens.js';
import type { Principal } from './principal.js';

/** What authentication reads of a request. */
export interface Credentials {
  readonly authorization?: string | undefined;
  /** `?access_token=`: accepted only on streams, which browsers open without headers. */
  readonly queryToken?: string | undefined;
  /** What a cookie session is read from, when the request has neither of the above. */
  readonly session?: SessionCredentials | undefined;
}

/** The parts of a request a cookie session needs: the cookie, and what proves it came from the dashboard. */
export interface SessionCredentials {
  readonly cookie: string | undefined;
  readonly method: string;
  /** `X-CSRF-Token`: required on every state-changing request made with the cookie. */
  readonly csrfToken: string | undefined;
  readonly origin: string | undefined;
  readonly host: string | undefined;
}

/** The dashboard's sessions (src/server/dashboard), as authentication sees them. */
export interface SessionVerifier {
  /** The session's principal; undefined without a session cookie; SESSION_EXPIRED or CSRF_REJECTED otherwise. */
  principal(credentials: SessionCredentials): Promise<Principal | undefined>;
}

/**
 * Turns a request's credential into a principal: a job token, the CLI's local credential, or an
 * API key. No credential gives `undefined` (the route decides whether that is enough); a wrong
 * one is UNAUTHORIZED, never a silent downgrade. The dashboard's cookie session will be one more
 * source here.
 */
export class Authenticator {
  readonly #keys: ApiKeys;
  readonly #tokens: JobTokens;
  readonly #clock: Clock;
  readonly #auth: boolean;
  readonly #localHash: Buffer | undefined;
  readonly #sessions: SessionVerifier | undefined;

  constructor(options: {
    keys: ApiKeys;
    tokens: JobTokens;
    clock: Clock;
    auth: boolean;
    localToken?: string | undefined;
    sessions?: SessionVerifier | undefined;
  }) {
    this.#keys = options.keys;
    this.#tokens = options.tokens;
    this.#clock = options.clock;
    this.#auth = options.auth;
    this.#localHash = options.localToken === undefined ? undefined : sha256(options.localToken);
    this.#sessions = options.sessions;
  }

  async principal(credentials: Credentials): Promise<Principal | undefined> {
    if (!this.#auth) return { kind: 'admin', via: 'no-auth' };
    const credential = bearer(credentials.authorization) ?? credentials.queryToken;
    if (credential === undefined) {
      // An explicit credential always wins: a script with a key is never judged by a cookie.
      return credentials.session ? this.#sessions?.principal(credentials.session) : undefined;
    }
    if (JobTokens.looksLikeToken(credential)) return this.#tokens.verify(credential, this.#clock.now());
    if (this.#localHash !== undefined) {
      const hash = sha256(credential);
      if (timingSafeEqual(hash, this.#localHash)) return { kind: 'admin', via: 'local' };
    }
    return this.#keys.verify(credential);
  }
}

function bearer(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) throw holdfastError('UNAUTHORIZED', { reason: 'malformed' });
  return match[1];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
