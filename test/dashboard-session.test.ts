import { describe, expect, it } from 'vitest';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';
import { storeOf } from './support/holdfast.js';
import { testServer } from './support/server.js';

/**
 * The dashboard's sign-in on the server: sessions in an httpOnly, SameSite=Strict cookie; CSRF
 * protection on every change made with it; one-time links; sessions that end with their key.
 */
for (const backend of backends) {
  describe.runIf(backend.available)(`dashboard sessions (${backend.name})`, () => {
    const setup = async () => {
      const clock = new FakeClock(Date.now());
      const t = await testServer(await backend.database(), { workers: false, holdfast: { clock } });
      const signIn = async (key: string) => {
        const res = await t.server.app.inject({ method: 'POST', url: '/v1/session', payload: { key } });
        const setCookie = String(res.headers['set-cookie'] ?? '');
        return {
          res,
          setCookie,
          cookie: setCookie.split(';')[0]!,
          csrf: (res.json() as { csrfToken: string }).csrfToken,
        };
      };
      return { t, clock, signIn };
    };

    it('opens a session from a key into an httpOnly, SameSite=Strict cookie that stands for the key', async () => {
      const { t, signIn } = await setup();
      const acme = await t.tenantKey('acme');
      await t.hf.submit('echo', { n: 1 }, { tenant: 'acme' });
      await t.hf.submit('echo', { n: 2 }, { tenant: 'globex' });

      const wrong = await t.server.app.inject({
        method: 'POST',
        url: '/v1/session',
        payload: { key: 'hf_x_nope' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.headers['set-cookie']).toBeUndefined();

      const session = await signIn(acme);
      expect(session.res.statusCode).toBe(201);
      expect(session.setCookie).toMatch(
        /^holdfast_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
      );
      expect(session.res.json()).toMatchObject({
        signedIn: true,
        role: 'tenant',
        tenant: 'acme',
        via: 'session',
      });

      // The cookie alone reads what the key reads: acme's jobs only.
      const jobs = await t.server.app.inject({
        method: 'GET',
        url: '/v1/jobs',
        headers: { cookie: session.cookie },
      });
      expect(jobs.statusCode).toBe(200);
      expect((jobs.json() as { jobs: Array<{ tenant: string }> }).jobs.map((j) => j.tenant)).toEqual([
        'acme',
      ]);
      const counts = await t.server.app.inject({
        method: 'GET',
        url: '/v1/jobs/counts',
        headers: { cookie: session.cookie },
      });
      expect((counts.json() as { total: number }).total).toBe(1);

      const me = await t.server.app.inject({
        method: 'GET',
        url: '/v1/session',
        headers: { cookie: session.cookie },
      });
      expect(me.json()).toMatchObject({ signedIn: true, tenant: 'acme', csrfToken: session.csrf });
      const nobody = await t.server.app.inject({ method: 'GET', url: '/v1/session' });
      expect(nobody.json()).toMatchObject({ signedIn: false, csrfToken: null });
    });

    it('refuses changes made with the cookie without its CSRF token, with another session’s, or from another site', async () => {
      const { t, signIn } = await setup();
      const a = await signIn(t.adminKey);
      const b = await signIn(t.adminKey);
      const submit = (headers: Record<string, string>) =>
        t.server.app.inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: { host: '127.0.0.1:8080', 'accept-language': 'fr', ...headers },
          payload: { pipeline: 'echo', input: { n: 3 } },
        });
      const missing = await submit({ cookie: a.cookie });
      expect(missing.statusCode).toBe(403);
      expect(missing.json().error).toMatchObject({ code: 'CSRF_REJECTED', details: { reason: 'missing' } });
      expect(missing.json().error.message).toContain('X-CSRF-Token');
      expect((await submit({ cookie: a.cookie, 'x-csrf-token': b.csrf })).json().error.details.reason).toBe(
        'mismatch',
      );
      const foreign = await submit({
        cookie: a.cookie,
        'x-csrf-token': a.csrf,
        origin: 'https://evil.example',
      });
      expect(foreign.json().error).toMatchObject({ code: 'CSRF_REJECTED', details: { reason: 'origin' } });
      // A foreign page cannot even read with the cookie (nor open the WebSocket).
      const read = await t.server.app.inject({
        method: 'GET',
        url: '/v1/jobs',
        headers: { host: '127.0.0.1:8080', cookie: a.cookie, origin: 'https://evil.example' },
      });
      expect(read.statusCode).toBe(403);
      const ok = await submit({ cookie: a.cookie, 'x-csrf-token': a.csrf, origin: 'http://127.0.0.1:8080' });
      expect(ok.statusCode).toBe(202);
      // A key sent by a script needs no CSRF token: the cookie is not what authenticates it.
      expect((await submit({ ...t.auth(t.adminKey), cookie: a.cookie })).statusCode).toBe(202);
      expect(await t.hf.jobs.list({}).then((p) => p.jobs.length)).toBe(2);
    });

    it('signs out, and ends sessions whose key is revoked or rotated, or whose time is up', async () => {
      const { t, clock, signIn } = await setup();
      const read = (cookie: string) =>
        t.server.app.inject({ method: 'GET', url: '/v1/jobs', headers: { cookie, 'accept-language': 'fr' } });

      const out = await signIn(t.adminKey);
      const signOut = await t.server.app.inject({
        method: 'DELETE',
        url: '/v1/session',
        headers: { cookie: out.cookie, 'x-csrf-token': out.csrf },
      });
      expect(signOut.statusCode).toBe(204);
      expect(String(signOut.headers['set-cookie'])).toContain('Max-Age=0');
      const after = await read(out.cookie);
      expect(after.statusCode).toBe(401);
      expect(after.json().error).toMatchObject({ code: 'SESSION_EXPIRED', details: { reason: 'unknown' } });
      expect(after.json().error.message).toMatch(/session du tableau de bord/);

      const key = await t.server.context.keys.create({ tenant: 'acme' });
      const tenant = await signIn(key.key);
      expect((await read(tenant.cookie)).statusCode).toBe(200);
      await t.server.context.keys.revoke(key.info.id);
      await clock.advance(6_000); // past the 5 s cache of verified sessions
      expect((await read(tenant.cookie)).json().error).toMatchObject({ details: { reason: 'revoked' } });

      const admin = await signIn(t.adminKey);
      await clock.advance(1_000);
      const rotated = await t.server.context.keys.ensureAdmin({ rotate: true });
      await clock.advance(6_000);
      expect((await read(admin.cookie)).statusCode).toBe(401);

      const late = await signIn(rotated.key!);
      expect((await read(late.cookie)).statusCode).toBe(200);
      await clock.advance(12 * 3_600_000 + 1);
      expect((await read(late.cookie)).json().error).toMatchObject({
        code: 'SESSION_EXPIRED',
        details: { reason: 'expired' },
      });
      // The page asking who it is gets "signed out", and the stale cookie is cleared.
      const me = await t.server.app.inject({
        method: 'GET',
        url: '/v1/session',
        headers: { cookie: late.cookie },
      });
      expect(me.json()).toMatchObject({ signedIn: false });
      expect(String(me.headers['set-cookie'])).toContain('Max-Age=0');
    });

    it('lets a one-time sign-in link sign in once, within its time, even when two browsers race', async () => {
      const { t, clock } = await setup();
      const redeem = (token: string) =>
        t.server.app.inject({ method: 'POST', url: '/v1/session/link', payload: { token } });
      const link = await t.server.context.sessions.createLink();
      const { rows } = await (await storeOf(t.hf)).query<{ hash: string }>(
        'select hash from holdfast.sign_in_links',
      );
      expect(rows.map((r) => r.hash)).not.toContain(link.token); // stored hashed

      const [first, second] = await Promise.all([redeem(link.token), redeem(link.token)]);
      expect([first.statusCode, second.statusCode].sort()).toEqual([201, 401]);
      const winner = first.statusCode === 201 ? first : second;
      expect(String(winner.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
      expect(winner.json()).toMatchObject({ signedIn: true, role: 'admin' });
      const again = await redeem(link.token);
      expect(again.json().error).toMatchObject({ code: 'SIGN_IN_LINK_INVALID', details: { reason: 'used' } });

      const stale = await t.server.context.sessions.createLink();
      await clock.advance(15 * 60_000 + 1);
      expect((await redeem(stale.token)).json().error.details.reason).toBe('expired');
      expect((await redeem('hfl_made-up')).json().error.details.reason).toBe('unknown');
    });
  });
}
