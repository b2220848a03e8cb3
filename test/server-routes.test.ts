import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayEvents } from '../src/events/event-log.js';
import { internalsOf } from '../src/runtime/internals.js';
import { createServer } from '../src/server/create-server.js';
import { errorEnvelopeSchema } from '../src/server/schemas/common.js';
import {
  estimateAnswerSchema,
  jobPageSchema,
  jobSchema,
  submitAnswerSchema,
} from '../src/server/schemas/job-schemas.js';
import { backends } from './support/backends.js';
import { waitForState } from './support/holdfast.js';
import { adminUrl } from './support/postgres.js';
import { type TestServer, testServer } from './support/server.js';
import { TcpProxy, throughProxy } from './support/tcp-proxy.js';
import { waitFor } from './support/wait.js';

type Injected = LightMyRequestResponse;

/** Every non-2xx answer carries the envelope. */
function expectEnvelope(res: Injected, code: string) {
  expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
  const body = errorEnvelopeSchema.parse(res.json());
  expect(body.error.code, res.body).toBe(code);
  expect(body.error.recommendations.length).toBeGreaterThan(0);
  expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/); // never a stack trace
  return body.error;
}

for (const backend of backends) {
  describe.runIf(backend.available)(`HTTP API routes (${backend.name})`, () => {
    let t: TestServer;
    let admin: { authorization: string };
    let acme: { authorization: string };
    let globex: { authorization: string };
    const inject = (options: InjectOptions) => t.server.app.inject(options);

    beforeAll(async () => {
      t = await testServer(await backend.database());
      admin = t.auth(t.adminKey);
      acme = t.auth(await t.tenantKey('acme'));
      globex = t.auth(await t.tenantKey('globex'));
    });

    it('submits a job: 202 at once with Location and links, then the job runs in the background', async () => {
      const res = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: acme,
        payload: { pipeline: 'echo', input: { n: 21 } },
      });
      expect(res.statusCode).toBe(202);
      const body = submitAnswerSchema.parse(res.json());
      expect(res.headers.location).toBe(`/v1/jobs/${body.id}`);
      expect(body.links.events).toBe(`/v1/jobs/${body.id}/events`);
      await waitForState(t.hf, body.id, 'succeeded');
      const job = await inject({ method: 'GET', url: `/v1/jobs/${body.id}`, headers: acme });
      expect(job.statusCode).toBe(200);
      const view = jobSchema.parse(job.json());
      expect(view).toMatchObject({ state: 'succeeded', output: 42, tenant: 'acme' });
      expect(view.steps?.map((s) => [s.name, s.state, s.output])).toEqual([['double', 'succeeded', 42]]);
      expect(view.plan).toEqual({ steps: ['double'], completed: 1, percent: 100 });
    });

    it('forces a tenant key’s submissions to its tenant; the admin chooses', async () => {
      const forced = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: acme,
        payload: { pipeline: 'echo', input: { n: 1 }, tenant: 'globex' },
      });
      expect((await t.hf.jobs.get(forced.json().id)).tenant).toBe('acme');
      const chosen = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: admin,
        payload: { pipeline: 'echo', input: { n: 1 }, tenant: 'globex' },
      });
      expect((await t.hf.jobs.get(chosen.json().id)).tenant).toBe('globex');
    });

    it('replays an idempotent submission (200, Idempotent-Replayed) and refuses the same key with another input (409)', async () => {
      const send = (n: number) =>
        inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: { ...acme, 'idempotency-key': 'order-77' },
          payload: { pipeline: 'echo', input: { n } },
        });
      const first = await send(5);
      expect(first.statusCode).toBe(202);
      const again = await send(5);
      expect(again.statusCode).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().id).toBe(first.json().id);
      const other = await send(6);
      expect(other.statusCode).toBe(409);
      const error = expectEnvelope(other, 'IDEMPOTENCY_CONFLICT');
      expect(error.details.existingJobId).toBe(first.json().id);
      const empty = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...acme, 'idempotency-key': '' },
        payload: { pipeline: 'echo', input: { n: 5 } },
      });
      expectEnvelope(empty, 'VALIDATION_ERROR');
    });

    it('names the fields of invalid input by their path, in English or in French; an unknown pipeline is 404', async () => {
      const bad = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: acme,
        payload: { pipeline: 'echo', input: { n: 0 } },
      });
      expect(bad.statusCode).toBe(400);
      const error = expectEnvelope(bad, 'VALIDATION_ERROR');
      expect(error.details.field).toBe('body.input.n');
      const shape = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...acme, 'accept-language': 'fr-FR,fr;q=0.9' },
        payload: { pipeline: 42, input: {}, extra: true },
      });
      expect(shape.statusCode).toBe(400);
      const fr = expectEnvelope(shape, 'VALIDATION_ERROR');
      expect(shape.headers['content-language']).toBe('fr');
      expect((fr.details.issues as Array<{ path: string }>).map((i) => i.path)).toEqual(
        expect.arrayContaining(['body.pipeline', 'body']),
      );
      expect(fr.message).toMatch(/^Requête invalide/);
      expect(fr.recommendations[0]).toMatch(/^Corrigez/);
      const unknown = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: acme,
        payload: { pipeline: 'nope', input: {} },
      });
      expect(unknown.statusCode).toBe(404);
      expect(expectEnvelope(unknown, 'NOT_FOUND').details).toMatchObject({ kind: 'pipeline', id: 'nope' });
    });

    it('estimates per meter against what is left, and says what would be refused', async () => {
      const res = await inject({
        method: 'POST',
        url: '/v1/jobs/estimate',
        headers: acme,
        payload: { pipeline: 'spender', input: { tokens: 6000 } },
      });
      expect(res.statusCode).toBe(200);
      const report = estimateAnswerSchema.parse(res.json());
      expect(report.tenant).toBe('acme');
      expect(report.safeToProceed).toBe(false);
      expect(report.meters[0]).toMatchObject({
        meter: 'openai:tokens',
        estimate: 6000,
        cap: 5000,
        limit: 3000,
        refusal: { code: 'JOB_TOO_EXPENSIVE' },
      });
      const fits = estimateAnswerSchema.parse(
        (
          await inject({
            method: 'POST',
            url: '/v1/jobs/estimate',
            headers: acme,
            payload: { pipeline: 'spender', input: { tokens: 100 } },
          })
        ).json(),
      );
      expect(fits.meters[0]).toMatchObject({ safeToProceed: true, refusal: null });
      expect(fits.meters[0]!.remainingAfter).toBe(fits.meters[0]!.balance! - 100);
    });

    it('lists jobs newest first with filters and cursor pages; a tenant sees only its own', async () => {
      const ids: string[] = [];
      for (let n = 1; n <= 5; n++) {
        ids.push(
          (
            await inject({
              method: 'POST',
              url: '/v1/jobs',
              headers: globex,
              payload: { pipeline: 'echo', input: { n } },
            })
          ).json().id,
        );
      }
      await Promise.all(ids.map((id) => waitForState(t.hf, id, 'succeeded')));
      const first = await inject({ method: 'GET', url: '/v1/jobs?limit=3&pipeline=echo', headers: globex });
      expect(first.statusCode).toBe(200);
      const page1 = jobPageSchema.parse(first.json());
      expect(page1.jobs).toHaveLength(3);
      expect(page1.jobs.every((j) => j.tenant === 'globex')).toBe(true);
      const page2 = jobPageSchema.parse(
        (
          await inject({
            method: 'GET',
            url: `/v1/jobs?limit=3&pipeline=echo&cursor=${page1.next}`,
            headers: globex,
          })
        ).json(),
      );
      const seen = [...page1.jobs, ...page2.jobs].map((j) => j.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
      const states = await inject({ method: 'GET', url: '/v1/jobs?state=failed,cancelled', headers: globex });
      expect(jobPageSchema.parse(states.json()).jobs).toEqual([]);
      const future = new Date(Date.now() + 60_000).toISOString();
      const since = await inject({
        method: 'GET',
        url: `/v1/jobs?since=${encodeURIComponent(future)}`,
        headers: admin,
      });
      expect(jobPageSchema.parse(since.json())).toEqual({ jobs: [], next: null });
      const all = jobPageSchema.parse(
        (await inject({ method: 'GET', url: '/v1/jobs?tenant=globex', headers: acme })).json(),
      );
      expect(all.jobs.every((j) => j.tenant === 'acme')).toBe(true);
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/jobs?limit=500', headers: admin }),
        'VALIDATION_ERROR',
      );
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/jobs?state=lost', headers: admin }),
        'VALIDATION_ERROR',
      );
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/jobs?cursor=abc', headers: admin }),
        'VALIDATION_ERROR',
      );
    });

    it('takes a full id or a unique prefix wherever an id is; an ambiguous prefix is AMBIGUOUS_ID; another tenant’s job is 404', async () => {
      const id = (await t.hf.submit('echo', { n: 3 }, { tenant: 'acme' })).id;
      await waitForState(t.hf, id, 'succeeded');
      for (const prefix of [id.slice(0, 23), id.replaceAll('-', '').slice(0, 22)]) {
        const res = await inject({ method: 'GET', url: `/v1/jobs/${prefix}`, headers: acme });
        expect(res.statusCode, prefix).toBe(200);
        expect(res.json().id).toBe(id);
      }
      const ambiguous = await inject({ method: 'GET', url: `/v1/jobs/${id.slice(0, 1)}`, headers: admin });
      expect(ambiguous.statusCode).toBe(400);
      const error = expectEnvelope(ambiguous, 'AMBIGUOUS_ID');
      expect((error.details.matches as string[]).length).toBeGreaterThan(1);
      const hidden = await inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: globex });
      expect(hidden.statusCode).toBe(404);
      expectEnvelope(hidden, 'NOT_FOUND');
      // A tenant's prefix is matched among its own jobs only: never ambiguous because of others.
      const globexOnly = await inject({ method: 'GET', url: `/v1/jobs/${id.slice(0, 23)}`, headers: globex });
      expect(globexOnly.statusCode).toBe(404);
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/jobs/00000000-0000-7000-8000-000000000000', headers: admin }),
        'NOT_FOUND',
      );
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/jobs/not-an-id!', headers: admin }),
        'NOT_FOUND',
      );
    });

    it('retries a failed job after a budget pre-check: a refusal is 429 with X-Token-* and Retry-After; force is the admin’s', async () => {
      const failed = (
        await inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: acme,
          payload: { pipeline: 'failing', input: { reason: 'the document is not a PDF' } },
        })
      ).json().id as string;
      await waitForState(t.hf, failed, 'failed');
      const job = jobSchema.parse(
        (
          await inject({
            method: 'GET',
            url: `/v1/jobs/${failed}`,
            headers: { ...acme, 'accept-language': 'fr' },
          })
        ).json(),
      );
      expect(job.error).toMatchObject({ code: 'STEP_FAILED', message: 'the document is not a PDF' });
      expect(job.error!.recommendations[0]).toMatch(/permanent|définitif|déclar/i);
      expect(job.steps?.map((s) => s.state)).toEqual(['succeeded', 'failed']);
      // Another job holds most of the day's 3,000 tokens: the remaining step (half of 1,000) does not fit.
      const hold = await t.hf.submit(
        'spender',
        { tokens: 2800 },
        { tenant: 'globex', runAt: Date.now() + 3_600_000 },
      );
      try {
        const refused = await inject({ method: 'POST', url: `/v1/jobs/${failed}/retry`, headers: acme });
        expect(refused.statusCode).toBe(429);
        const error = expectEnvelope(refused, 'QUOTA_EXCEEDED');
        expect(refused.headers['x-token-required']).toBe(String(error.details.required));
        expect(refused.headers['x-token-balance']).toBe(String(error.details.balance));
        expect(refused.headers['x-token-deficit']).toBe(String(error.details.deficit));
        expect(Number(error.details.required)).toBe(500);
        const retryAfter = Number(refused.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(
          Math.abs(Date.now() + retryAfter * 1000 - Date.parse(String(error.details.resetAt))),
        ).toBeLessThan(5000);
        const notAllowed = await inject({
          method: 'POST',
          url: `/v1/jobs/${failed}/retry`,
          headers: acme,
          payload: { force: true },
        });
        expect(notAllowed.statusCode).toBe(403);
        expectEnvelope(notAllowed, 'FORBIDDEN');
        const forced = await inject({
          method: 'POST',
          url: `/v1/jobs/${failed}/retry`,
          headers: admin,
          payload: { force: true },
        });
        expect(forced.statusCode).toBe(202);
        expect(jobSchema.parse(forced.json()).attempt).toBe(2);
        await waitForState(t.hf, failed, 'failed');
        // The step that succeeded ran once: the retry resumed at the failed one.
        const again = jobSchema.parse(
          (await inject({ method: 'GET', url: `/v1/jobs/${failed}`, headers: acme })).json(),
        );
        expect(again.steps?.find((s) => s.name === 'prepare')?.runs).toBe(1);
        const conflict = await inject({ method: 'POST', url: `/v1/jobs/${hold.id}/retry`, headers: admin });
        expect(conflict.statusCode).toBe(409);
        expectEnvelope(conflict, 'CONFLICT');
      } finally {
        await t.hf.jobs.cancel(hold.id);
      }
    });

    it('refuses a job over its pipeline’s cap with 400 and the token headers, no Retry-After', async () => {
      const res = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: acme,
        payload: { pipeline: 'spender', input: { tokens: 7000 } },
      });
      expect(res.statusCode).toBe(400);
      expectEnvelope(res, 'JOB_TOO_EXPENSIVE');
      expect(res.headers).toMatchObject({
        'x-token-balance': '5000',
        'x-token-required': '7000',
        'x-token-deficit': '2000',
      });
      expect(res.headers['retry-after']).toBeUndefined();
    });

    it('cancels a job (202), and a finished one is a 409', async () => {
      const later = await t.hf.submit('echo', { n: 4 }, { tenant: 'acme', runAt: Date.now() + 3_600_000 });
      const res = await inject({
        method: 'POST',
        url: `/v1/jobs/${later.id}/cancel`,
        headers: acme,
        payload: { reason: 'not needed' },
      });
      expect(res.statusCode).toBe(202);
      expect(jobSchema.parse(res.json()).state).toBe('cancelled');
      const again = await inject({ method: 'POST', url: `/v1/jobs/${later.id}/cancel`, headers: acme });
      expect(again.statusCode).toBe(409);
      expectEnvelope(again, 'CONFLICT');
    });

    it('gives a short-lived read-only token for one job', async () => {
      const id = (await t.hf.submit('echo', { n: 8 }, { tenant: 'acme' })).id;
      await waitForState(t.hf, id, 'succeeded');
      const other = (await t.hf.submit('echo', { n: 9 }, { tenant: 'acme' })).id;
      const res = await inject({ method: 'POST', url: `/v1/jobs/${id}/token`, headers: acme });
      expect(res.statusCode).toBe(201);
      const { token, events } = res.json() as { token: string; events: string };
      const bearer = t.auth(token);
      expect((await inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: bearer })).statusCode).toBe(200);
      const stream = await inject({ method: 'GET', url: events });
      expect(stream.statusCode).toBe(200);
      expect(stream.headers['content-type']).toContain('text/event-stream');
      expect(stream.body).toContain('event: job:succeeded');
      expectEnvelope(await inject({ method: 'GET', url: `/v1/jobs/${other}`, headers: bearer }), 'NOT_FOUND');
      expectEnvelope(await inject({ method: 'GET', url: '/v1/jobs', headers: bearer }), 'FORBIDDEN');
      expectEnvelope(
        await inject({ method: 'POST', url: `/v1/jobs/${id}/cancel`, headers: bearer }),
        'FORBIDDEN',
      );
      const expired = t.server.context.tokens.sign({ id, tenant: 'acme' }, Date.now() - 1);
      const late = await inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t.auth(expired) });
      expect(late.statusCode).toBe(401);
      expect(expectEnvelope(late, 'UNAUTHORIZED').details.reason).toBe('expired');
      const forged = `${token.slice(0, -4)}AAAA`;
      expectEnvelope(
        await inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: t.auth(forged) }),
        'UNAUTHORIZED',
      );
    });

    it('serves a job’s timeline as SSE: ids are seqs, Last-Event-ID resumes, the stream ends after the terminal event', async () => {
      const id = (await t.hf.submit('ticker', { ticks: 3, intervalMs: 0 }, { tenant: 'acme' })).id;
      await waitForState(t.hf, id, 'succeeded');
      const all = await inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: acme });
      const ids = [...all.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      const stored = await replayEvents((await internalsOf(t.hf).open()).store, { jobId: id });
      expect(ids).toEqual(stored.map((e) => e.seq));
      expect(all.body.trimEnd().endsWith('}')).toBe(true);
      expect(all.body).toMatch(/event: job:succeeded\n/);
      const resumed = await inject({
        method: 'GET',
        url: `/v1/jobs/${id}/events`,
        headers: { ...acme, 'last-event-id': '4' },
      });
      expect([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(
        ids.filter((s) => s > 4),
      );
      const afterAll = await inject({
        method: 'GET',
        url: `/v1/jobs/${id}/events?after=${ids.at(-1)}`,
        headers: acme,
      });
      expect(afterAll.statusCode).toBe(200);
      expect(afterAll.body).not.toMatch(/^id:/m);
      expectEnvelope(
        await inject({
          method: 'GET',
          url: `/v1/jobs/${id}/events`,
          headers: { ...acme, 'last-event-id': 'x' },
        }),
        'VALIDATION_ERROR',
      );
    });

    it('describes the pipelines with their input JSON Schema', async () => {
      const res = await inject({ method: 'GET', url: '/v1/pipelines', headers: acme });
      expect(res.statusCode).toBe(200);
      const echo = (res.json() as { pipelines: Array<Record<string, unknown>> }).pipelines.find(
        (p) => p.name === 'echo',
      );
      expect(echo).toMatchObject({
        hasEstimate: false,
        steps: ['double'],
        inputSchema: { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 1 } } },
      });
    });

    it('shows quotas and usage (a tenant only its own), and lets the admin reset, credit and set limits', async () => {
      const all = await inject({ method: 'GET', url: '/v1/quotas', headers: admin });
      expect(all.statusCode).toBe(200);
      const accounts = (all.json() as { accounts: Array<{ scope: string; meter: string; limit: number }> })
        .accounts;
      expect(
        accounts.some((a) => a.scope === 'global' && a.meter === 'openai:tokens' && a.limit === 3000),
      ).toBe(true);
      const mine = (await inject({ method: 'GET', url: '/v1/quotas', headers: acme })).json() as {
        accounts: Array<{ scope: string }>;
      };
      expect(mine.accounts.every((a) => a.scope === 'tenant:acme')).toBe(true);
      const usage = await inject({ method: 'GET', url: '/v1/usage?days=7', headers: acme });
      expect(usage.statusCode).toBe(200);
      expect(usage.json()).toMatchObject({ days: 7, total: { calls: 0 } });
      expectEnvelope(
        await inject({ method: 'GET', url: '/v1/usage?days=0', headers: acme }),
        'VALIDATION_ERROR',
      );
      const dry = await inject({
        method: 'POST',
        url: '/v1/quotas/reset',
        headers: admin,
        payload: { period: 'day', dryRun: true },
      });
      expect(dry.statusCode).toBe(200);
      expect(dry.json()).toMatchObject({ dryRun: true, reset: 0 });
      const credit = await inject({
        method: 'POST',
        url: '/v1/quotas/credit',
        headers: admin,
        payload: { scope: 'global', meter: 'openai:tokens', amount: 500 },
      });
      expect(credit.statusCode).toBe(200);
      expect(credit.json().limit).toBe(3500);
      const limit = await inject({
        method: 'POST',
        url: '/v1/quotas/limit',
        headers: admin,
        payload: { scope: 'global', meter: 'openai:tokens', limit: 3000 },
      });
      expect(limit.json().limit).toBe(3500); // the credit stays on top of the new limit
      expectEnvelope(
        await inject({ method: 'POST', url: '/v1/quotas/reset', headers: acme, payload: { period: 'day' } }),
        'FORBIDDEN',
      );
      expectEnvelope(
        await inject({
          method: 'POST',
          url: '/v1/quotas/credit',
          headers: admin,
          payload: { scope: 'global', meter: 'nope:tokens', amount: 1 },
        }),
        'NOT_FOUND',
      );
    });

    it('manages keys: create, list, revoke (the key stops working at once), rotate the admin key', async () => {
      const made = await inject({
        method: 'POST',
        url: '/v1/keys',
        headers: admin,
        payload: { tenant: 'initech', name: 'ci' },
      });
      expect(made.statusCode).toBe(201);
      const { key, info } = made.json() as { key: string; info: { id: string } };
      expect(key).toMatch(/^hf_[a-z0-9]+_/);
      expect((await inject({ method: 'GET', url: '/v1/jobs', headers: t.auth(key) })).statusCode).toBe(200);
      const listed = await inject({ method: 'GET', url: '/v1/keys?tenant=initech', headers: admin });
      expect(listed.json().keys).toEqual([
        expect.objectContaining({ id: info.id, tenant: 'initech', name: 'ci', revokedAt: null }),
      ]);
      expect(listed.body).not.toContain(key);
      const tenants = await inject({ method: 'GET', url: '/v1/tenants', headers: admin });
      expect(tenants.json().tenants).toEqual(
        expect.arrayContaining([expect.objectContaining({ id: 'initech', keys: 1 })]),
      );
      const revoked = await inject({ method: 'DELETE', url: `/v1/keys/${info.id}`, headers: admin });
      expect(revoked.statusCode).toBe(200);
      const refused = await inject({ method: 'GET', url: '/v1/jobs', headers: t.auth(key) });
      expect(expectEnvelope(refused, 'UNAUTHORIZED').details.reason).toBe('revoked');
      expectEnvelope(await inject({ method: 'DELETE', url: '/v1/keys/nope', headers: admin }), 'NOT_FOUND');
      const rotated = await inject({ method: 'POST', url: '/v1/keys/admin/rotate', headers: admin });
      expect(rotated.statusCode).toBe(201);
      const next = t.auth(rotated.json().key);
      expect((await inject({ method: 'GET', url: '/v1/keys', headers: next })).statusCode).toBe(200);
      expectEnvelope(await inject({ method: 'GET', url: '/v1/keys', headers: admin }), 'UNAUTHORIZED');
      admin = next;
    });

    it('answers health, liveness and readiness with the database round trip, workers and queue', async () => {
      const health = await inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toMatchObject({
        status: 'ok',
        database: { status: 'up', kind: backend.name, schema: { current: expect.any(String) } },
        workers: { running: true, draining: false },
        queue: { due: expect.any(Number) },
      });
      expect(health.json().database.roundTripMs).toBeGreaterThan(0);
      expect((await inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
      const ready = await inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().status).toBe('ready');
    });

    it('exposes Prometheus metrics to the admin', async () => {
      const res = await inject({ method: 'GET', url: '/metrics', headers: admin });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      for (const name of [
        'holdfast_jobs_finished_total{pipeline="echo",state="succeeded"}',
        'holdfast_job_duration_seconds_bucket',
        'holdfast_step_duration_seconds_bucket',
        'holdfast_submissions_total',
        'holdfast_budget_limit{scope="global",meter="openai:tokens",period="day"}',
        'holdfast_queue_depth',
        'holdfast_worker_active',
        'nodejs_eventloop_lag_seconds',
        'process_resident_memory_bytes',
      ]) {
        expect(res.body, name).toContain(name);
      }
      expectEnvelope(await inject({ method: 'GET', url: '/metrics', headers: acme }), 'FORBIDDEN');
    });

    it('refuses bodies over the limit (413), bodies that are not JSON (415, 400), unknown routes (404)', async () => {
      const big = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...acme, 'content-type': 'application/json' },
        payload: JSON.stringify({ pipeline: 'echo', input: { pad: 'x'.repeat(1_100_000) } }),
      });
      expect(big.statusCode).toBe(413);
      expect(expectEnvelope(big, 'PAYLOAD_TOO_LARGE').details.limitBytes).toBe(1_048_576);
      const text = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...acme, 'content-type': 'text/plain' },
        payload: 'pipeline=echo',
      });
      expect(text.statusCode).toBe(415);
      expectEnvelope(text, 'UNSUPPORTED_MEDIA_TYPE');
      const broken = await inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { ...acme, 'content-type': 'application/json' },
        payload: '{"pipeline": "echo", "input": {',
      });
      expect(broken.statusCode).toBe(400);
      expectEnvelope(broken, 'VALIDATION_ERROR');
      const route = await inject({ method: 'GET', url: '/v2/everything' });
      expect(route.statusCode).toBe(404);
      expectEnvelope(route, 'NOT_FOUND');
    });

    it('takes its body limit from its options', async () => {
      const small = await createServer(t.hf, { bodyLimit: 2048 });
      try {
        const res = await small.app.inject({
          method: 'POST',
          url: '/v1/jobs',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: JSON.stringify({ pipeline: 'echo', input: { pad: 'x'.repeat(3000) } }),
        });
        expect(expectEnvelope(res, 'PAYLOAD_TOO_LARGE').details.limitBytes).toBe(2048);
      } finally {
        await small.close();
      }
    });

    it('turns readiness 503 and refuses requests while draining, health answering still', async () => {
      const draining = await createServer(t.hf);
      try {
        draining.beginShutdown();
        const ready = await draining.app.inject({ method: 'GET', url: '/health/ready' });
        expect(ready.statusCode).toBe(503);
        expectEnvelope(ready, 'SHUTTING_DOWN');
        expect(ready.headers['retry-after']).toBeDefined();
        const api = await draining.app.inject({ method: 'GET', url: '/v1/jobs', headers: admin });
        expect(api.statusCode).toBe(503);
        expectEnvelope(api, 'SHUTTING_DOWN');
        expect((await draining.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      } finally {
        await draining.close();
      }
    });
  });
}

const postgres = backends.find((b) => b.name === 'postgres')!;

describe.runIf(postgres.available)('HTTP API while PostgreSQL is away', () => {
  const proxy = new TcpProxy({
    host: new URL(adminUrl).hostname,
    port: Number(new URL(adminUrl).port || 5432),
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After, readiness 503, and recovers when it is back', async () => {
    const direct = await postgres.database();
    await proxy.start();
    const t = await testServer(throughProxy(direct, proxy.port), {
      workers: false,
      holdfast: { logger: { debug() {}, info() {}, warn() {}, error() {} } },
    });
    const admin = t.auth(t.adminKey);
    expect((await t.server.app.inject({ method: 'GET', url: '/v1/jobs', headers: admin })).statusCode).toBe(
      200,
    );
    await proxy.cut();
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: admin,
      payload: { pipeline: 'echo', input: { n: 1 } },
    });
    expect(res.statusCode).toBe(503);
    expectEnvelope(res, 'DATABASE_UNAVAILABLE');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const ready = await t.server.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expectEnvelope(ready, 'DATABASE_UNAVAILABLE');
    const health = await t.server.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'down', database: { status: 'down' } });
    expect((await t.server.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    await proxy.restore();
    await waitFor(
      async () => (await t.server.app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200,
      20_000,
    );
    const after = await t.server.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: admin,
      payload: { pipeline: 'echo', input: { n: 1 } },
    });
    expect(after.statusCode).toBe(202);
  });

  it('turns readiness 503 SCHEMA_NOT_MIGRATED when the schema is older than this version', async () => {
    const database = await postgres.database();
    const t = await testServer(database, { workers: false });
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      const { rows } = await client.query(
        'delete from holdfast.schema_migrations where version = (select max(version) from holdfast.schema_migrations) returning version, name',
      );
      const ready = await t.server.app.inject({ method: 'GET', url: '/health/ready' });
      expect(ready.statusCode).toBe(503);
      expect(expectEnvelope(ready, 'SCHEMA_NOT_MIGRATED').recommendations.join(' ')).toContain(
        'holdfast migrate',
      );
      await client.query('insert into holdfast.schema_migrations (version, name) values ($1, $2)', [
        rows[0].version,
        rows[0].name,
      ]);
      expect((await t.server.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      await client.end();
    }
  });
});
