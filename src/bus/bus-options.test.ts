import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors/holdfast-error.js';
import { type BusOptions, busDefaults, resolveBusOptions } from './bus-options.js';

const pipelines = new Set(['analyse-document']);
const route = { from: 'orders.analyse', pipeline: 'analyse-document', deadLetter: 'orders.analyse.dlq' };

function refusal(options: unknown): { option: string; problem: string; problemFr?: string; value?: string } {
  try {
    resolveBusOptions(options as BusOptions, pipelines);
  } catch (error) {
    if (hasCode(error, 'CONFIG_INVALID')) return error.details;
    throw error;
  }
  throw new Error('accepted');
}

describe('resolveBusOptions', () => {
  it('resolves the shape of the issue, with documented defaults and credentials kept out of the safe URL', () => {
    const resolved = resolveBusOptions(
      {
        source: 'amqp://guest:secret@127.0.0.1:5672/prod',
        routes: [{ ...route, pipeline: { name: 'analyse-document' }, results: 'orders.analyse.results' }],
      },
      pipelines,
    );
    expect(resolved).toMatchObject({
      broker: 'rabbitmq',
      safeUrl: 'amqp://127.0.0.1:5672/prod',
      inflight: busDefaults.inflight,
      batchSize: busDefaults.batchSize,
      ackWaitMs: 30_000,
      routes: [
        {
          from: 'orders.analyse',
          pipeline: 'analyse-document',
          deadLetter: 'orders.analyse.dlq',
          results: 'orders.analyse.results',
          consumer: 'holdfast-orders-analyse',
        },
      ],
    });
    expect(
      resolveBusOptions({ source: 'nats://127.0.0.1:4222', routes: [route], ackWait: '5s' }, pipelines),
    ).toMatchObject({
      broker: 'nats',
      ackWaitMs: 5000,
    });
  });

  it('refuses each bad option with CONFIG_INVALID naming it, in English and French, without leaking a password', () => {
    expect(refusal({ source: 'kafka://127.0.0.1:9092', routes: [route] })).toMatchObject({
      option: 'bus.source',
    });
    const notUrl = refusal({ source: 'amqp//user:hunter2@host', routes: [route] });
    expect(notUrl.option).toBe('bus.source');
    expect(JSON.stringify(notUrl)).not.toContain('hunter2');
    expect(refusal({ source: 'nats://h:4222', routes: [] })).toMatchObject({ option: 'bus.routes' });
    expect(refusal({ source: 'nats://h:4222', routes: [route], inflight: 0 })).toMatchObject({
      option: 'bus.inflight',
      problem: 'must be an integer from 1 to 10000',
      problemFr: 'doit être un entier de 1 à 10\u202f000',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [route], ackWait: '10ms' })).toMatchObject({
      option: 'bus.ackWait',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [{ ...route, pipeline: 'nope' }] })).toMatchObject({
      option: 'bus.routes[0].pipeline',
      value: '"nope"',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [{ ...route, from: 'orders.*' }] })).toMatchObject({
      option: 'bus.routes[0].from',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [{ ...route, deadLetter: undefined }] })).toMatchObject(
      {
        option: 'bus.routes[0].deadLetter',
      },
    );
    expect(
      refusal({ source: 'nats://h:4222', routes: [{ ...route, deadLetter: route.from }] }),
    ).toMatchObject({
      option: 'bus.routes[0].deadLetter',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [{ ...route, map: 'json' }] })).toMatchObject({
      option: 'bus.routes[0].map',
    });
    expect(refusal({ source: 'nats://h:4222', routes: [route, route] })).toMatchObject({
      option: 'bus.routes[1].from',
    });
  });
});
