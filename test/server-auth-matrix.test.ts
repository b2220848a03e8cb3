import type { InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AnyRouteSpec } from '../src/server/http/route-spec.js';
import { backends } from './support/backends.js';
import { waitForState } from './support/holdfast.js';
import { type TestServer, testServer } from './support/server.js';

/**
 * Who may do what: every route × {admin, tenant A, tenant B, a job token of A's job, no key,
 * a wrong key}. The expectation is derived from the route's declared access, so a new route is
 * covered as soon as it has a request below (and the test fails until it has one).
 */

const principals = ['admin', 'tenantA', 'tenantB', 'jobToken', 'none', 'wrong'] as const;
type Who = (typeof principals)[number];
type Expected = 'allowed' | 401 | 403 | 404;

function expected(route: AnyRouteSpec, who: Who): Expected {
  if (who === 'wrong') return 401;
  if (route.access === 'public') return 'allowed';
  if (who === 'none') return 401;
  if (who === 'admin') return 'allowed';
  const aboutJob = route.url.includes(':id');
  if (route.access === 'admin') return 403;
  if (who === 'jobToken') return route.access === 'job' ? 'allowed' : 403;
  if (who === 'tenantB' && aboutJob) return 404;
  return 'allowed';
}

for (const backend of backends) {
  describe.runIf(backend.available)(`authorization matrix (${backend.name})`, () => {
    let t: TestServer;
    let jobA = '';
    const credentials = {} as Record<Who, string | undefined>;
    let throwawayKey = '';

    beforeAll(async () => {
      t = await testServer(await backend.database());
      credentials.admin = t.adminKey;
      credentials.tenantA = await t.tenantKey('acme');
      credentials.tenantB = await t.tenantKey('globex');
      credentials.none = undefined;
      credentials.wrong = 'hf_0123456789_notarealsecretnotarealsecret';
      jobA = (await t.hf.submit('failing', { reason: 'for the matrix' }, { tenant: 'acme' })).id;
      await waitForState(t.hf, jobA, 'failed');
      credentials.jobToken = t.server.context.tokens.sign({ id: jobA, tenant: 'acme' }, Date.now() + 600_000);
      throwawayKey = (await t.server.context.keys.create({ tenant: 'initech' })).info.id;
    });

    /** One request per route, by operationId (made afresh per caller when it is a function). */
    const requests = (): Record<string, InjectOptions | (() => Promise<InjectOptions>)> => ({
      submitJob: { method: 'POST', url: '/v1/jobs', payload: { pipeline: 'echo', input: { n: 1 } } },
      estimateJob: {
        method: 'POST',
        url: '/v1/jobs/estimate',
        payload: { pipeline: 'echo', input: { n: 1 } },
      },
      listJobs: { method: 'GET', url: '/v1/jobs' },
      getJob: { method: 'GET', url: `/v1/jobs/${jobA}` },
      countJobs: { method: 'GET', url: '/v1/jobs/counts' },
      getJobSpend: { method: 'GET', url: `/v1/jobs/${jobA}/spend` },
      retryJob: { method: 'POST', url: `/v1/jobs/${jobA}/retry` },
      cancelJob: { method: 'POST', url: `/v1/jobs/${jobA}/cancel` },
      createJobToken: { method: 'POST', url: `/v1/jobs/${jobA}/token` },
      followJobEvents: { method: 'GET', url: `/v1/jobs/${jobA}/events` },
      followEvents: { method: 'GET', url: '/v1/events' },
      websocket: { method: 'GET', url: '/v1/ws' },
      listPipelines: { method: 'GET', url: '/v1/pipelines' },
      listQuotas: { method: 'GET', url: '/v1/quotas' },
      getUsage: { method: 'GET', url: '/v1/usage?days=7' },
      resetQuotas: { method: 'POST', url: '/v1/quotas/reset', payload: { period: 'day', dryRun: true } },
      creditQuota: {
        method: 'POST',
        url: '/v1/quotas/credit',
        payload: { scope: 'global', meter: 'openai:tokens', amount: 1 },
      },
      setQuotaLimit: {
        method: 'POST',
        url: '/v1/quotas/limit',
        payload: { scope: 'global', meter: 'openai:tokens', limit: 3000 },
      },
      health: { method: 'GET', url: '/health' },
      live: { method: 'GET', url: '/health/live' },
      ready: { method: 'GET', url: '/health/ready' },
      listKeys: { method: 'GET', url: '/v1/keys' },
      createKey: { method: 'POST', url: '/v1/keys', payload: { tenant: 'matrix' } },
      revokeKey: { method: 'DELETE', url: `/v1/keys/${throwawayKey}` },
      rotateAdminKey: { method: 'POST', url: '/v1/keys/admin/rotate' },
      listTenants: { method: 'GET', url: '/v1/tenants' },
      cleanup: {
        method: 'POST',
        url: '/v1/maintenance/cleanup',
        payload: { olderThan: '3650d', dryRun: true },
      },
      openapi: { method: 'GET', url: '/openapi.json' },
      docs: { method: 'GET', url: '/docs' },
      metrics: { method: 'GET', url: '/metrics' },
      signIn: { method: 'POST', url: '/v1/session', payload: { key: credentials.tenantB } },
      // A link signs in once: each caller gets a link of its own.
      redeemSignInLink: async () => ({
        method: 'POST',
        url: '/v1/session/link',
        payload: { token: (await t.server.context.sessions.createLink()).token },
      }),
      getSession: { method: 'GET', url: '/v1/session' },
      signOut: { method: 'DELETE', url: '/v1/session' },
    });

    it('answers every route for every kind of caller as its access says, with the error envelope', async () => {
      const byOperation = requests();
      const missing = t.server.routes.map((r) => r.operationId).filter((id) => !(id in byOperation));
      expect(missing, 'routes without a request in the matrix').toEqual([]);
      const rows: string[] = [];
      const failures: string[] = [];
      for (const route of t.server.routes) {
        const cells: string[] = [];
        for (const who of principals) {
          const entry = byOperation[route.operationId]!;
          const request = typeof entry === 'function' ? await entry() : entry;
          const credential = credentials[who];
          const res = await t.server.app.inject({
            ...request,
            headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` },
            payloadAsStream: true,
          });
          const status = res.statusCode;
          let body = '';
          if (!String(res.headers['content-type']).includes('text/event-stream')) {
            for await (const chunk of res.stream()) body += chunk;
          } else {
            res.stream().destroy();
          }
          const want = expected(route, who);
          const ok = want === 'allowed' ? ![401, 403, 404].includes(status) && status < 500 : status === want;
          if (!ok)
            failures.push(
              `${route.method} ${route.url} as ${who}: ${status} (wanted ${want}) ${body.slice(0, 200)}`,
            );
          if (status >= 400) {
            const envelope = JSON.parse(body) as { error?: { code?: string; recommendations?: string[] } };
            if (typeof envelope.error?.code !== 'string' || !Array.isArray(envelope.error.recommendations)) {
              failures.push(`${route.method} ${route.url} as ${who}: no error envelope`);
            }
          }
          if (route.operationId === 'rotateAdminKey' && who === 'admin' && status === 201) {
            credentials.admin = (JSON.parse(body) as { key: string }).key;
          }
          cells.push(String(status));
        }
        rows.push(
          `${`${route.method} ${route.url}`.padEnd(34)} ${cells.map((c) => c.padStart(4)).join(' ')}`,
        );
      }
      expect(failures, `\n${principals.join(' ')}\n${rows.join('\n')}`).toEqual([]);
    });
  });
}
