import { describe, expect, it } from 'vitest';
import { holdfastError } from '../errors/holdfast-error.js';
import type { Delivery } from './bus-adapter.js';
import { busMessage } from './bus-message.js';
import type { ResolvedRoute } from './bus-options.js';
import { readMessage } from './read-message.js';
import { failureAction } from './submit-failure.js';

const route: ResolvedRoute = {
  from: 'orders',
  pipeline: 'analyse',
  map: undefined,
  deadLetter: 'orders.dlq',
  results: undefined,
  consumer: 'c',
};

function delivery(
  body: string,
  fields: { id?: string; key?: string; correlationId?: string; headers?: Record<string, string> } = {},
): Delivery {
  return {
    message: busMessage({
      source: 'orders',
      id: fields.id,
      correlationId: fields.correlationId,
      sequence: undefined,
      headers: fields.headers ?? {},
      body: Buffer.from(body),
      redelivered: false,
    }),
    defaultKey: fields.key ?? fields.id,
    ack: () => {},
    release: () => {},
  };
}

describe('readMessage', () => {
  it('by default: JSON body as input, message id as key and correlation id, tenant from the header', async () => {
    expect(await readMessage(route, delivery('{"n":1}', { id: 'm-1', headers: { tenant: 'acme' } }))).toEqual(
      {
        kind: 'submit',
        submission: {
          input: { n: 1 },
          tenant: 'acme',
          idempotencyKey: 'm-1',
          correlationId: 'm-1',
          runAt: undefined,
        },
      },
    );
    const withCorrelation = await readMessage(route, delivery('{}', { id: 'm-2', correlationId: 'c-2' }));
    expect(withCorrelation).toMatchObject({ submission: { idempotencyKey: 'm-2', correlationId: 'c-2' } });
  });

  it('a map overrides only what it returns', async () => {
    const mapped = await readMessage(
      {
        ...route,
        map: (m) => ({ input: { text: m.text() }, idempotencyKey: `order-${m.headers['order-id']}` }),
      },
      delivery('hello', { id: 'm-3', headers: { 'order-id': '42', tenant: 't1' } }),
    );
    expect(mapped).toMatchObject({
      kind: 'submit',
      submission: { input: { text: 'hello' }, idempotencyKey: 'order-42', tenant: 't1' },
    });
  });

  it('refuses with VALIDATION_ERROR: a body that is not JSON, a map that throws, a message without any key', async () => {
    const notJson = await readMessage(route, delivery('{"n":', { id: 'm-4' }));
    expect(notJson).toMatchObject({
      kind: 'refuse',
      idempotencyKey: 'm-4',
      error: { code: 'VALIDATION_ERROR' },
    });
    const thrown = await readMessage(
      {
        ...route,
        map: () => {
          throw new Error('no order id');
        },
      },
      delivery('{}', { id: 'm-5' }),
    );
    expect(thrown).toMatchObject({
      kind: 'refuse',
      error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('no order id') },
    });
    const keyless = await readMessage(route, delivery('{}'));
    expect(keyless).toMatchObject({
      kind: 'refuse',
      error: { code: 'VALIDATION_ERROR', details: { field: 'message-id' } },
    });
  });
});

describe('failureAction', () => {
  const quota = holdfastError('QUOTA_EXCEEDED', {
    scope: 'global',
    meter: 'usd',
    period: 'day',
    limit: 1,
    used: 1,
    balance: 0,
    required: 1,
    deficit: 1,
  });
  it('dead-letters refusals of one message, splits a batch to find which, waits out the database, retries the rest', () => {
    expect(failureAction(quota, 1)).toBe('dead-letter');
    expect(failureAction(quota, 10)).toBe('split');
    expect(
      failureAction(holdfastError('DATABASE_UNAVAILABLE', { database: 'pg', reason: 'refused' }), 10),
    ).toBe('wait-for-database');
    // Not the message's fault: never dead-lettered for it.
    expect(failureAction(holdfastError('DATABASE_AUTH_FAILED', { database: 'pg' }), 1)).toBe('retry');
    expect(failureAction(holdfastError('INTERNAL', {}), 1)).toBe('retry');
  });
});
