import { describe, expect, it } from 'vitest';
import { type ErrorCode, errorCodes } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import {
  HoldfastError,
  hasCode,
  holdfastError,
  isHoldfastError,
  NonRetriableError,
  RetryAfterError,
  toHoldfastError,
} from './holdfast-error.js';
import { frenchMessage, localizedMessage } from './messages.js';
import { pickLocale, recommend } from './recommendations.js';

/** Realistic details for every code, so the catalogue is exercised on each one. */
const samples: { [C in ErrorCode]: ErrorDetailsMap[C] } = {
  PROVIDER_TIMEOUT: { provider: 'openai', phase: 'headers', timeoutMs: 30_000, elapsedMs: 30_012 },
  PROVIDER_RATE_LIMITED: {
    provider: 'gemini',
    retryAfterMs: 53_016,
    remainingMs: 20_000,
    beyondDeadline: true,
    limitType: 'tokens',
    limit: 50_000,
    remaining: 0,
  },
  PROVIDER_QUOTA_EXHAUSTED: {
    provider: 'gemini',
    quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
  },
  PROVIDER_OVERLOADED: { provider: 'anthropic', status: 529 },
  PROVIDER_ERROR: { provider: 'openai', status: 502, requestId: 'req_1' },
  PROVIDER_REJECTED: { provider: 'openai', status: 401, providerMessage: 'Incorrect API key provided' },
  PROVIDER_UNREACHABLE: { provider: 'keepa', host: 'api.keepa.com', errno: 'ECONNREFUSED' },
  CIRCUIT_OPEN: { provider: 'gemini', retryAfterMs: 30_000, failures: 5 },
  STEP_TIMEOUT: {
    step: 'embed',
    timeoutMs: 120_000,
    progress: { done: 47, total: 92, unit: 'chunks', percent: 51.08 },
  },
  JOB_TIMEOUT: { jobId: 'j1', timeoutMs: 600_000, step: 'analyze' },
  STEP_FAILED: { step: 'extract', name: 'TypeError' },
  QUOTA_EXCEEDED: {
    scope: 'tenant:acme',
    meter: 'openai:tokens',
    period: 'day',
    limit: 1_000_000,
    used: 950_000,
    balance: 50_000,
    required: 100_000,
    deficit: 50_000,
    resetAt: '2026-11-23T00:00:00.000Z',
  },
  INSUFFICIENT_TOKENS: {
    scope: 'global',
    meter: 'keepa:tokens',
    balance: 5,
    required: 10,
    deficit: 5,
    refill: { amount: 50, everyMs: 10_800_000 },
  },
  JOB_TOO_EXPENSIVE: { pipeline: 'sourcing', meter: 'keepa:tokens', estimate: 500, cap: 200, excess: 300 },
  BUDGET_EXCEEDED: { meter: 'openai:tokens', cap: 200_000, used: 199_000, requested: 4096, step: 'analyze' },
  ROLLBACK_FAILED: { step: 'reserve-stock', failures: [{ step: 'reserve-stock', message: 'HTTP 500' }] },
  VALIDATION_ERROR: {
    field: 'url',
    issues: [{ path: 'url', message: 'Invalid URL', code: 'invalid_format', format: 'url' }],
  },
  NOT_FOUND: { kind: 'pipeline', id: 'analyse', known: ['analyze-document', 'product-sourcing'] },
  AMBIGUOUS_ID: {
    kind: 'job',
    prefix: '019a7c3e',
    matches: ['019a7c3e-1f2b-7c3d-8e4f-a1b2c3d4e5f6', '019a7c3e-2a0c-7d1e-9f00-b2c3d4e5f6a7'],
  },
  CONFLICT: { kind: 'job', id: 'j1', state: 'running', allowed: ['failed', 'cancelled'] },
  IDEMPOTENCY_CONFLICT: { key: 'msg-1', existingJobId: 'j1' },
  CANCELLED: { jobId: 'j1', reason: 'requested by operator', step: 'embed' },
  LEASE_LOST: { jobId: 'j1' },
  STORE_LOCKED: { dataDir: '/srv/.holdfast', pid: 4242 },
  DATABASE_UNAVAILABLE: {
    database: 'PostgreSQL 127.0.0.1:5432/app',
    reason: 'terminated',
    sqlState: '57P01',
    operation: 'submit',
    downForMs: 4200,
  },
  DATABASE_NOT_FOUND: { database: 'PostgreSQL 127.0.0.1:5432/nope', name: 'nope' },
  DATABASE_AUTH_FAILED: { database: 'PostgreSQL 127.0.0.1:5432/app', user: 'app', sqlState: '28P01' },
  SCHEMA_NOT_MIGRATED: { database: 'PostgreSQL 127.0.0.1:5432/postgres', current: null, expected: '0002' },
  DATA_DIR_INVALID: { path: '/srv/data.txt', reason: 'not-a-directory', errno: 'ENOTDIR' },
  STORE_UNWRITABLE: { path: '/srv/.holdfast', reason: 'disk-full', errno: 'ENOSPC' },
  SQL_ERROR: { sqlState: '42P01', step: 'save', table: 'summaries' },
  CONFIG_INVALID: {
    option: 'worker.concurrency',
    problem: 'must be an integer from 1 to 10000',
    problemFr: 'doit être un entier de 1 à 10 000',
    value: '-1',
  },
  PORT_IN_USE: { host: '127.0.0.1', port: 8080, service: 'server' },
  UNAUTHORIZED: { reason: 'missing' },
  FORBIDDEN: { action: 'reset quotas', role: 'tenant' },
  PAYLOAD_TOO_LARGE: { limitBytes: 1_048_576, receivedBytes: 2_000_000 },
  UNSUPPORTED_MEDIA_TYPE: { contentType: 'text/plain', expected: ['application/json'] },
  SHUTTING_DOWN: {},
  BUS_UNREACHABLE: { broker: 'nats', url: 'nats://127.0.0.1:4222', errno: 'ECONNREFUSED' },
  BUS_REFUSED: {
    broker: 'rabbitmq',
    url: 'amqp://127.0.0.1:5672',
    operation: 'connect',
    brokerMessage: 'ACCESS_REFUSED - Login was refused',
  },
  SESSION_EXPIRED: { reason: 'revoked' },
  SIGN_IN_LINK_INVALID: { reason: 'used' },
  CSRF_REJECTED: { reason: 'origin', origin: 'https://evil.example' },
  INTERNAL: { reason: 'unexpected state' },
};

describe('HoldfastError', () => {
  it('has complete English and French recommendations for every code, built from the details', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const en = recommend(code, samples[code] as never, 'en');
      const fr = recommend(code, samples[code] as never, 'fr');
      expect(en.length, code).toBeGreaterThan(0);
      expect(fr.length, code).toBe(en.length);
      for (const line of [...en, ...fr]) {
        expect(line, code).not.toMatch(/undefined|NaN|\[object Object\]|\$\{/);
      }
      expect(new HoldfastError(code, samples[code] as never).message, code).not.toMatch(/undefined|NaN/);
    }
  });

  it('writes every call decision of every provider code in both languages, claiming no retry that did not happen', () => {
    const providerCodes = [
      'PROVIDER_TIMEOUT',
      'PROVIDER_RATE_LIMITED',
      'PROVIDER_QUOTA_EXHAUSTED',
      'PROVIDER_OVERLOADED',
      'PROVIDER_ERROR',
      'PROVIDER_REJECTED',
      'PROVIDER_UNREACHABLE',
    ] as const;
    const decisions = [
      'retrying',
      'not-retryable',
      'attempts-used',
      'beyond-deadline',
      'handed-back',
    ] as const;
    for (const code of providerCodes) {
      const bare = { ...samples[code], beyondDeadline: undefined };
      for (const locale of ['en', 'fr'] as const) {
        // Without a decision, nothing is said about retries.
        expect(recommend(code, bare as never, locale).join(' '), code).not.toMatch(
          /retried|retry (is|was)|relancé|retenté/i,
        );
      }
      for (const decision of decisions) {
        const details = { ...bare, decision, attempts: 2, maxAttempts: 3, waitMs: 4000, remainingMs: 1500 };
        const en = recommend(code, details as never, 'en');
        const fr = recommend(code, details as never, 'fr');
        expect(fr.length, `${code} ${decision}`).toBe(en.length);
        for (const line of [...en, ...fr])
          expect(line, `${code} ${decision}`).not.toMatch(/undefined|NaN|\?/);
        const said = en.join(' ');
        if (decision === 'retrying') expect(said).toContain('tries again in 4 s');
        else
          expect(said, `${code} ${decision}`).not.toMatch(
            /tries again|retried automatically|retried with backoff/,
          );
      }
    }
  });

  it('speaks French in French: no English outside quoted data and code', () => {
    // What may stay as it is: `code`, « quoted data », URLs, CODES, commands and options.
    const strip = (text: string) =>
      text
        .replace(/`[^`]*`/g, '')
        .replace(/« [^»]* »/g, '')
        .replace(/https?:\/\/\S+/g, '')
        .replace(/\b[A-Z][A-Z0-9_]{2,}\b/g, '');
    const english =
      /\b(the|and|with|without|must|should|please|expected|received|invalid|failed|retried|retrying|attempts?|is|are|was|were|not|will|would|cannot|has|have|this|that|which|your|you|too|small|big)\b/i;
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const lines = [
        ...recommend(code, samples[code] as never, 'fr'),
        new HoldfastError(code, samples[code] as never).localMessage('fr'),
      ];
      for (const line of lines) expect(strip(line), `${code}: ${line}`).not.toMatch(english);
    }
  });

  it('names things the way French does', () => {
    expect(
      recommend('NOT_FOUND', { kind: 'pipeline', id: 'other', known: ['analyze', 'sourcing'] }, 'fr'),
    ).toEqual(["Aucun pipeline ne s'appelle « other ».", 'Pipelines connus : analyze, sourcing.']);
    expect(recommend('NOT_FOUND', { kind: 'job', id: 'c6aa33' }, 'fr')).toEqual([
      'Aucun job ne correspond à « c6aa33 ».',
    ]);
    expect(recommend('NOT_FOUND', { kind: 'step', id: 'embed', known: [] }, 'fr')).toEqual([
      'Aucune étape ne correspond à « embed ».',
      "Aucune étape n'est configurée.",
    ]);
    expect(recommend('CONFLICT', samples.CONFLICT, 'fr')).toEqual([
      "Le job « j1 » est à l'état « running » : cette action n'est possible qu'à l'état « failed » ou « cancelled ».",
    ]);
    expect(recommend('CONFIG_INVALID', samples.CONFIG_INVALID, 'fr')[0]).toBe(
      "Corrigez l'option worker.concurrency : elle doit être un entier de 1 à 10 000 (valeur reçue : -1).",
    );
    expect(holdfastError('PORT_IN_USE', samples.PORT_IN_USE).localMessage('fr')).toBe(
      '127.0.0.1:8080 est déjà utilisé : le serveur ne peut pas y écouter',
    );
    // A message the thrower wrote is theirs, in every language.
    expect(new NonRetriableError('not a PDF').localMessage('fr')).toBe('not a PDF');
  });

  it('has a French message for every code, and keeps messages the thrower wrote', () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      const error = new HoldfastError(code, samples[code] as never);
      const fr = localizedMessage(error, 'fr');
      expect(fr, code).toBe(frenchMessage(code, samples[code] as never));
      expect(fr, code).not.toMatch(/undefined|NaN|\[object Object\]/);
      expect(fr, code).not.toBe(error.message);
      expect(localizedMessage(error, 'en'), code).toBe(error.message);
    }
    const own = new NonRetriableError('the document is not a PDF');
    expect(localizedMessage(own, 'fr')).toBe('the document is not a PDF');
  });

  it('writes progress and figures into the diagnosis', () => {
    const error = holdfastError('STEP_TIMEOUT', samples.STEP_TIMEOUT);
    expect(error.message).toBe("Step 'embed' timed out after 2 min at 47/92 chunks (51 %)");
    expect(error.recommendations('en').join('\n')).toContain('47/92 chunks');
    expect(error.recommendations('fr').join('\n')).toContain('47/92 chunks');
    const quota = holdfastError('QUOTA_EXCEEDED', samples.QUOTA_EXCEEDED);
    expect(quota.recommendations('en')[0]).toContain('this job needs 100,000, 50,000 more');
    expect(quota.recommendations('fr')[0]).toMatch(/demande 100\s000, soit 50\s000 de trop/);
    const rate = holdfastError('PROVIDER_RATE_LIMITED', samples.PROVIDER_RATE_LIMITED);
    expect(rate.message).toBe(
      'gemini rate limit: asked to wait 53 s but only 20 s remained before the deadline',
    );
  });

  it('serialises to JSON and back', () => {
    const error = new HoldfastError('PROVIDER_RATE_LIMITED', { provider: 'openai' }, { retryAfterMs: 1146 });
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      retryable: true,
      retryAfterMs: 1146,
      details: { provider: 'openai' },
    });
    expect(json.recommendations.length).toBeGreaterThan(0);
    const back = HoldfastError.fromJSON(json);
    expect(back.code).toBe('PROVIDER_RATE_LIMITED');
    expect(back.retryAfterMs).toBe(1146);
    expect(back.message).toBe(error.message);
    expect(HoldfastError.fromJSON({ code: 'NOPE' }).code).toBe('INTERNAL');
  });

  it('is recognised across package copies by its brand, not by instanceof', () => {
    const foreign = Object.create(null) as Record<symbol, unknown>;
    foreign[Symbol.for('holdfast.error')] = true;
    expect(isHoldfastError(foreign)).toBe(true);
    expect(isHoldfastError(new Error('x'))).toBe(false);
    expect(hasCode(holdfastError('NOT_FOUND', { kind: 'job', id: '1' }), 'NOT_FOUND')).toBe(true);
  });

  it('gives user-thrown errors their meaning', () => {
    const never = new NonRetriableError('not a PDF');
    expect(never.retryable).toBe(false);
    expect(isHoldfastError(never)).toBe(true);
    const later = new RetryAfterError(5000);
    expect(later.retryable).toBe(true);
    expect(later.retryAfterMs).toBe(5000);
    expect(() => new RetryAfterError(-1)).toThrow(RangeError);
    const wrapped = toHoldfastError(new TypeError('boom'), { step: 'x' });
    expect(wrapped.code).toBe('STEP_FAILED');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.retryable).toBe(true);
    expect(wrapped.cause).toBeInstanceOf(TypeError);
  });

  it('keeps what a thrown non-Error value says: its JSON, truncated, never [object Object]', () => {
    const thrown = toHoldfastError({ code: 42, reason: 'quota', nested: { ids: [1, 2] } }, { step: 'save' });
    expect(thrown.code).toBe('STEP_FAILED');
    expect(thrown.message).toBe('{"code":42,"reason":"quota","nested":{"ids":[1,2]}}');
    expect(thrown.details).toMatchObject({ step: 'save', name: 'Object' });
    expect(toHoldfastError('disk full').message).toBe('disk full');
    expect(toHoldfastError(404).message).toBe('404');
    expect(toHoldfastError(null)).toMatchObject({ message: 'null', details: { name: 'null' } });
    expect(toHoldfastError(undefined).message).toBe('undefined was thrown');
    class ApiFailure {
      constructor(readonly status: number) {}
    }
    expect(toHoldfastError(new ApiFailure(502))).toMatchObject({
      message: '{"status":502}',
      details: { name: 'ApiFailure' },
    });
    const cyclic: Record<string, unknown> = { id: 7n, tags: new Set(['a']), cause: new TypeError('bad') };
    cyclic.self = cyclic;
    expect(toHoldfastError(cyclic).message).toBe(
      '{"id":"7n","tags":["a"],"cause":{"name":"TypeError","message":"bad"},"self":"[circular]"}',
    );
    const huge = toHoldfastError({ rows: 'x'.repeat(5000) });
    expect(huge.message).toHaveLength(500);
    expect(huge.message.endsWith('…')).toBe(true);
    for (const value of [{ a: 1 }, [1, 2], new Map([['k', 1]])])
      expect(toHoldfastError(value).message).not.toContain('[object');
  });

  it('picks a locale from Accept-Language', () => {
    expect(pickLocale('fr-FR,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(pickLocale('de-DE,en;q=0.5')).toBe('en');
    expect(pickLocale(undefined)).toBe('en');
  });
});
