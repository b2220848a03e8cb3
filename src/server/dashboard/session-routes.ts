import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isHoldfastError } from '../../errors/holdfast-error.js';
import type { Principal } from '../auth/principal.js';
import { type AnyRouteSpec, defineRoute, type RouteResult } from '../http/route-spec.js';
import type { ServerContext } from '../server-context.js';
import { readCookie, sessionCookie, sessionCookieName } from './session-cookie.js';
import type { OpenedSession, SessionOwner } from './sessions.js';

export const sessionSchema = z
  .object({
    signedIn: z.boolean(),
    role: z.enum(['admin', 'tenant']).nullable().describe('Who the dashboard acts as'),
    tenant: z.string().nullable(),
    via: z
      .enum(['session', 'key', 'no-auth'])
      .nullable()
      .describe('A cookie session, a key sent by the caller, or a server without authentication'),
    csrfToken: z
      .string()
      .nullable()
      .describe('Send as `X-CSRF-Token` on every state-changing request made with the session cookie'),
    expiresAt: z.string().nullable(),
  })
  .meta({ id: 'Session' });

const signedOut = {
  signedIn: false,
  role: null,
  tenant: null,
  via: null,
  csrfToken: null,
  expiresAt: null,
} as const;

/**
 * The dashboard's sign-in: a key (or a one-time link) is exchanged for an httpOnly,
 * SameSite=Strict session cookie; the answer carries the session's CSRF token, which the page
 * keeps in memory and sends back as `X-CSRF-Token`.
 */
export function sessionRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const { sessions, keys } = ctx;
  const opened = (request: FastifyRequest, session: OpenedSession) => ({
    status: 201,
    headers: {
      'set-cookie': sessionCookie(session.secret, sessions.ttlMs / 1000, request.protocol === 'https'),
      'cache-control': 'no-store',
    },
    body: {
      signedIn: true,
      role: session.owner.kind,
      tenant: session.owner.kind === 'tenant' ? session.owner.tenant : null,
      via: 'session' as const,
      csrfToken: session.csrfToken,
      expiresAt: new Date(session.expiresAt).toISOString(),
    },
  });
  return [
    defineRoute({
      method: 'POST',
      url: '/v1/session',
      operationId: 'signIn',
      summary: 'Sign in to the dashboard with a key: opens a cookie session',
      description:
        'Takes the admin key or a tenant key and sets an httpOnly, SameSite=Strict session cookie (12 h by default) that stands for that key: revoking the key ends the session. The answer’s `csrfToken` must accompany every state-changing request made with the cookie.',
      tags: ['session'],
      access: 'public',
      body: z.object({ key: z.string().min(1).max(500) }).strict(),
      responses: { 201: { description: 'Signed in', schema: sessionSchema } },
      errors: [401],
      handler: async ({ body, request }) => {
        const principal = await keys.verify(body.key);
        return opened(request, await sessions.open(ownerOf(principal)));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/v1/session/link',
      operationId: 'redeemSignInLink',
      summary: 'Sign in with a one-time link’s token',
      description:
        'The token after `#` in the link `holdfast start` prints. It works once, within 15 minutes: a second use is refused with SIGN_IN_LINK_INVALID.',
      tags: ['session'],
      access: 'public',
      body: z.object({ token: z.string().min(1).max(200) }).strict(),
      responses: { 201: { description: 'Signed in', schema: sessionSchema } },
      errors: [401],
      handler: async ({ body, request }) => opened(request, await sessions.redeemLink(body.token)),
    }),
    defineRoute({
      method: 'GET',
      url: '/v1/session',
      operationId: 'getSession',
      summary: 'Who the dashboard is signed in as (signedIn false when it is not)',
      tags: ['session'],
      access: 'public',
      responses: { 200: { description: 'The session, if any', schema: sessionSchema } },
      handler: async ({ request, principal }): Promise<RouteResult> => {
        if (!ctx.options.auth)
          return { status: 200, body: { ...signedOut, signedIn: true, role: 'admin', via: 'no-auth' } };
        if (principal !== undefined) return { status: 200, body: describeKey(principal) };
        const secret = readCookie(request.headers.cookie, sessionCookieName);
        if (secret === undefined) return { status: 200, body: signedOut };
        try {
          const { owner, expiresAt } = await sessions.verify(secret);
          return {
            status: 200,
            headers: { 'cache-control': 'no-store' },
            body: {
              signedIn: true,
              role: owner.kind,
              tenant: owner.kind === 'tenant' ? owner.tenant : null,
              via: 'session',
              csrfToken: sessions.csrfToken(secret),
              expiresAt: new Date(expiresAt).toISOString(),
            },
          };
        } catch (error) {
          if (!isHoldfastError(error) || error.code !== 'SESSION_EXPIRED') throw error;
          // A stale cookie is dropped, and the page shows the sign-in form.
          return {
            status: 200,
            headers: { 'set-cookie': sessionCookie('', 0, request.protocol === 'https') },
            body: signedOut,
          };
        }
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/v1/session',
      operationId: 'signOut',
      summary: 'Sign out: ends the cookie session',
      description: 'Made with the session cookie, this needs its `X-CSRF-Token` like any change.',
      tags: ['session'],
      access: 'tenant',
      responses: { 204: { description: 'Signed out (the cookie is cleared)' } },
      handler: async ({ request }) => {
        const secret = readCookie(request.headers.cookie, sessionCookieName);
        if (secret !== undefined) await sessions.close(secret);
        return {
          status: 204,
          headers: { 'set-cookie': sessionCookie('', 0, request.protocol === 'https') },
        };
      },
    }),
  ];
}

function ownerOf(principal: Principal): SessionOwner {
  switch (principal.kind) {
    case 'admin':
      return { kind: 'admin', keyId: 'admin' };
    case 'tenant':
      return { kind: 'tenant', tenant: principal.tenant, keyId: principal.keyId };
    case 'job':
      // ApiKeys.verify never answers a job principal: job tokens are not keys.
      throw new TypeError('a job token cannot open a dashboard session');
    default: {
      const never: never = principal;
      return never;
    }
  }
}

function describeKey(principal: Principal) {
  switch (principal.kind) {
    case 'admin':
      return { ...signedOut, signedIn: true, role: 'admin' as const, via: 'key' as const };
    case 'tenant':
      return {
        ...signedOut,
        signedIn: true,
        role: 'tenant' as const,
        tenant: principal.tenant,
        via: 'key' as const,
      };
    case 'job':
      return signedOut;
    default: {
      const never: never = principal;
      return never;
    }
  }
}
