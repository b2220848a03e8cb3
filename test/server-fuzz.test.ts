import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { waitForState } from './support/holdfast.js';
import { type TestServer, testServer } from './support/server.js';

/**
 * Random requests shaped by the OpenAPI document — every operation, with random path ids, query
 * strings, headers, bodies of the right and wrong shape, wrong content types, huge and truncated
 * bodies. Whatever comes in: no 5xx, no crash, and the error envelope on every non-2xx answer.
 */

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly queryNames: string[];
  readonly hasBody: boolean;
}

const huge = 'x'.repeat(1_100_000);

for (const backend of backends) {
  describe.runIf(backend.available)(`property-based fuzz of the HTTP API (${backend.name})`, () => {
    let t: TestServer;
    let operations: Operation[] = [];
    let adminKey = '';
    let tenantKey = '';
    let jobId = '';
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);

    beforeAll(async () => {
      process.on('uncaughtException', onCrash);
      process.on('unhandledRejection', onCrash);
      t = await testServer(await backend.database(), { workers: true });
      adminKey = t.adminKey;
      tenantKey = await t.tenantKey('acme');
      jobId = (await t.hf.submit('echo', { n: 1 }, { tenant: 'acme' })).id;
      await waitForState(t.hf, jobId, 'succeeded');
      // No worker from here on: jobs submitted by the fuzz stay queued, holding their budget.
      await t.hf.stop();
      const document = t.server.openApi() as {
        paths: Record<
          string,
          Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>
        >;
      };
      operations = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          hasBody: op.requestBody !== undefined,
        })),
      );
    });

    afterAll(() => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    });

    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(
        '',
        ' ',
        '0',
        '-1',
        '1e309',
        'NaN',
        'null',
        '../../etc/passwd',
        '%00',
        "' or 1=1 --",
        'x'.repeat(300),
      ),
    );
    const pathId = fc.oneof(
      text,
      fc.stringMatching(/^[0-9a-f-]{1,36}$/),
      fc.constant('0'),
      fc.constant('admin'),
      fc.constant('__jobId__'),
    );
    const jsonBody = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.record(
        {
          pipeline: fc.oneof(fc.constantFrom('echo', 'ticker', 'failing', 'spender', 'nope'), text),
          input: fc.oneof(
            fc.jsonValue({ maxDepth: 2 }),
            fc.record({ n: fc.oneof(fc.integer(), fc.double(), text) }, { requiredKeys: [] }),
            fc.record({ tokens: fc.integer({ min: -10, max: 10_000_000 }) }),
          ),
          tenant: fc.oneof(text, fc.constant('acme')),
          runAt: fc.oneof(
            fc.integer(),
            text,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          force: fc.oneof(fc.boolean(), text),
          reason: text,
          ttlSeconds: fc.oneof(fc.integer(), fc.double()),
          period: fc.oneof(fc.constantFrom('day', 'month', 'week'), text),
          dryRun: fc.boolean(),
          scope: fc.oneof(fc.constantFrom('global', 'tenant:acme', 'tenant:'), text),
          meter: fc.oneof(fc.constant('openai:tokens'), text),
          amount: fc.oneof(fc.double(), fc.integer()),
          limit: fc.oneof(fc.double(), fc.integer()),
          name: text,
          olderThan: fc.oneof(fc.constantFrom('30d', '1ms', '0s', '10w'), text),
        },
        { requiredKeys: [] },
      ),
    );
    const validSubmit = fc.record({
      pipeline: fc.constantFrom('echo', 'spender'),
      input: fc.oneof(
        fc.record({ n: fc.integer({ min: 1, max: 1000 }) }),
        fc.record({ tokens: fc.integer({ min: 0, max: 4000 }) }),
      ),
    });
    const body = fc.oneof(
      { weight: 3, arbitrary: validSubmit.map((v) => JSON.stringify(v)) },
      { weight: 6, arbitrary: jsonBody.map((v) => JSON.stringify(v)) },
      { weight: 2, arbitrary: text },
      { weight: 1, arbitrary: jsonBody.map((v) => JSON.stringify(v).slice(0, -1)) }, // truncated JSON
      { weight: 1, arbitrary: fc.constant(`{"pipeline":"echo","input":{"pad":"${huge}"}}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    const contentType = fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-8',
          'application/json; charset=latin1',
          'application/xml',
          '',
        ),
      },
      { weight: 1, arbitrary: text },
    );
    const request = fc.record({
      operation: fc.nat(),
      ids: fc.array(pathId, { minLength: 2, maxLength: 2 }),
      query: fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as Array<[string, string]>) },
        {
          weight: 1,
          arbitrary: fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom('state', 'limit', 'days', 'types', 'cursor', 'since', 'after'), text),
              text,
            ),
            { maxLength: 5 },
          ),
        },
      ),
      knownQuery: fc.oneof(
        { weight: 2, arbitrary: fc.constant([] as string[]) },
        { weight: 1, arbitrary: fc.array(text, { maxLength: 5 }) },
      ),
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant('admin') },
        { weight: 2, arbitrary: fc.constant('tenant') },
        { weight: 1, arbitrary: fc.constant('none') },
        { weight: 1, arbitrary: text.map((v) => `garbage:${v}`) },
      ),
      body,
      contentType,
      language: fc.oneof(fc.constantFrom('fr', 'fr-FR,fr;q=0.9', 'en', 'de', '*'), text),
      extraHeaders: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constant(
            {} as { 'last-event-id'?: string; 'idempotency-key'?: string; 'content-length-lie'?: boolean },
          ),
        },
        {
          weight: 1,
          arbitrary: fc.record(
            { 'last-event-id': text, 'idempotency-key': text, 'content-length-lie': fc.boolean() },
            { requiredKeys: [] },
          ),
        },
      ),
    });

    it('answers every random request without a 5xx, always with the envelope, and never crashes', async () => {
      let seen = 0;
      const statuses = new Set<string>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const op = operations[r.operation % operations.length]!;
          let i = 0;
          const path = op.path.replace(/\{[^}]+\}/g, () => {
            const id = r.ids[i++ % r.ids.length]!;
            return encodeURIComponent(id === '__jobId__' ? jobId : id);
          });
          const params = new URLSearchParams();
          for (const [k, v] of r.query) params.append(k, v);
          op.queryNames.forEach((name, index) => {
            const value = r.knownQuery[index];
            if (value !== undefined) params.append(name, value);
          });
          const qs = params.toString();
          const headers: Record<string, string> = { 'accept-language': r.language };
          if (r.auth === 'admin') headers.authorization = `Bearer ${adminKey}`;
          else if (r.auth === 'tenant') headers.authorization = `Bearer ${tenantKey}`;
          else if (r.auth !== 'none') headers.authorization = r.auth.slice('garbage:'.length);
          if (r.extraHeaders['last-event-id'] !== undefined)
            headers['last-event-id'] = r.extraHeaders['last-event-id'];
          if (r.extraHeaders['idempotency-key'] !== undefined)
            headers['idempotency-key'] = r.extraHeaders['idempotency-key'];
          const url = `${path}${qs ? `?${qs}` : ''}`;
          const options: InjectOptions = {
            method: op.method as InjectOptions['method'],
            url,
            headers,
            payloadAsStream: true,
          };
          if (op.hasBody && r.body !== undefined) {
            options.payload = r.body;
            if (r.contentType !== '') headers['content-type'] = r.contentType;
            if (r.extraHeaders['content-length-lie'])
              headers['content-length'] = String(Buffer.byteLength(r.body) + 10);
          }
          const res = await Promise.race([
            t.server.app.inject(options),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error(`no answer: ${options.method} ${url}`)), 15_000),
            ),
          ]);
          seen++;
          statuses.add(`${op.method} ${op.path} ${res.statusCode}`);
          let text = '';
          if (String(res.headers['content-type']).includes('text/event-stream')) res.stream().destroy();
          else for await (const chunk of res.stream()) text += chunk;
          const where = `${options.method} ${url.slice(0, 200)} → ${res.statusCode} ${text.slice(0, 300)}`;
          expect(res.statusCode, where).toBeLessThan(500);
          if (res.statusCode >= 400) {
            let envelope: {
              error?: { code?: unknown; message?: unknown; details?: unknown; recommendations?: unknown };
            };
            try {
              envelope = JSON.parse(text);
            } catch {
              throw new Error(`not JSON: ${where}`);
            }
            expect(typeof envelope.error?.code, where).toBe('string');
            expect(typeof envelope.error?.message, where).toBe('string');
            expect(typeof envelope.error?.details, where).toBe('object');
            expect(Array.isArray(envelope.error?.recommendations), where).toBe(true);
            expect(text, where).not.toMatch(/\n\s+at .+\.(ts|js):\d+/);
          }
          if (op.path === '/v1/keys/admin/rotate' && res.statusCode === 201) adminKey = JSON.parse(text).key;
        }),
        { numRuns: backend.name === 'pglite' ? 1500 : 800, seed: 20_261_201, endOnFailure: true },
      );
      expect(seen).toBeGreaterThan(300);
      // The fuzz reached the handlers, not only the validation in front of them.
      for (const reached of [
        'POST /v1/jobs 202',
        'GET /v1/jobs/{id} 200',
        'GET /v1/events 200',
        'POST /v1/jobs 400',
      ]) {
        expect([...statuses], reached).toContain(reached);
      }
      expect(crashes).toEqual([]);
      const live = await t.server.app.inject({ method: 'GET', url: '/health/live' });
      expect(live.statusCode).toBe(200);
    }, 600_000);
  });
}
