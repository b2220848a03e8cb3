import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer } from '../src/server/create-server.js';
import { defineRoute } from '../src/server/http/route-spec.js';
import { type TestServer, testServer } from './support/server.js';

describe('OpenAPI document and reference page', () => {
  let t: TestServer;
  let document: Record<string, unknown>;

  beforeAll(async () => {
    t = await testServer('memory://', { workers: false });
    const res = await t.server.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    document = res.json();
  });

  it('validates as OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the server answers, and nothing it does not', async () => {
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const registered: string[] = [];
    for (const route of t.server.routes) {
      const found = t.server.app.hasRoute({ method: route.method, url: route.url });
      expect(found, `${route.method} ${route.url}`).toBe(true);
      registered.push(`${route.method} ${route.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    }
    expect(documented).toEqual(registered.sort());
    // And Fastify serves exactly these (the WebSocket endpoint included), nothing undocumented.
    const served = t.server.served.map((r) => r.replace(/:([A-Za-z]+)/g, '{$1}')).sort();
    expect(served).toEqual(documented);
    for (const required of [
      'POST /v1/jobs',
      'POST /v1/jobs/estimate',
      'GET /v1/jobs',
      'GET /v1/jobs/{id}',
      'POST /v1/jobs/{id}/retry',
      'POST /v1/jobs/{id}/cancel',
      'POST /v1/jobs/{id}/token',
      'GET /v1/jobs/{id}/events',
      'GET /v1/events',
      'GET /v1/ws',
      'GET /v1/pipelines',
      'GET /v1/quotas',
      'GET /v1/usage',
      'POST /v1/quotas/reset',
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /openapi.json',
      'GET /docs',
    ]) {
      expect(documented).toContain(required);
    }
  });

  it('describes bodies, parameters and the error envelope from the same zod schemas the server checks', () => {
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    const submit = paths['/v1/jobs']!.post!;
    const body = (submit.requestBody as { content: Record<string, { schema: Record<string, unknown> }> })
      .content['application/json']!.schema;
    expect(body).toMatchObject({ type: 'object', required: ['pipeline', 'input'] });
    expect(Object.keys(submit.responses as object)).toEqual(
      expect.arrayContaining(['202', '200', '401', '409', '429']),
    );
    const list = paths['/v1/jobs']!.get!;
    expect((list.parameters as Array<{ name: string; in: string }>).map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining([
        'query:state',
        'query:pipeline',
        'query:tenant',
        'query:since',
        'query:cursor',
        'query:limit',
      ]),
    );
    const schemas = (document.components as { schemas: Record<string, unknown> }).schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Error', 'Job']));
    expect(JSON.stringify(document)).not.toContain('#/$defs/');
  });

  it('serves /docs from the package: one HTML page that loads nothing from elsewhere', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).not.toMatch(/<script[^>]+src=|<link[^>]+href="http|@import|cdn/i);
    for (const operationId of t.server.routes.map((r) => r.operationId)) {
      expect(res.body).toContain(`id="${operationId}"`);
    }
    expect(res.body).toContain('/v1/jobs/{id}/events');
  });

  it('takes more routes and mounts from later parts, with the same authentication, validation and document', async () => {
    const extended = await createServer(
      t.hf,
      {},
      {
        routes: () => [
          defineRoute({
            method: 'GET',
            url: '/v1/notifications',
            operationId: 'listNotifications',
            summary: 'Notifications (a later part)',
            tags: ['jobs'],
            access: 'tenant',
            query: z.object({ limit: z.string().regex(/^\d+$/).optional() }).strict(),
            responses: {
              200: { description: 'None yet', schema: z.object({ notifications: z.array(z.unknown()) }) },
            },
            handler: async () => ({ status: 200, body: { notifications: [] } }),
          }),
        ],
        mount: (app) => {
          app.get('/', async (_request, reply) =>
            reply.type('text/html').send('<!doctype html><title>dashboard</title>'),
          );
        },
      },
    );
    try {
      const admin = t.auth(t.adminKey);
      expect((await extended.app.inject({ method: 'GET', url: '/v1/notifications' })).statusCode).toBe(401);
      expect(
        (await extended.app.inject({ method: 'GET', url: '/v1/notifications?limit=x', headers: admin }))
          .statusCode,
      ).toBe(400);
      expect(
        (await extended.app.inject({ method: 'GET', url: '/v1/notifications', headers: admin })).json(),
      ).toEqual({
        notifications: [],
      });
      expect(Object.keys((extended.openApi().paths as object) ?? {})).toContain('/v1/notifications');
      expect((await extended.app.inject({ method: 'GET', url: '/' })).body).toContain('dashboard');
    } finally {
      await extended.close();
    }
  });
});
