import { describe, expect, it } from 'vitest';
import { startBusIngress } from '../src/bus/index.js';
import { hasCode } from '../src/errors/holdfast-error.js';
import { analyse } from './fixtures/bus-pipelines.js';
import { backends } from './support/backends.js';
import { testHoldfast } from './support/holdfast.js';

const pglite = backends.find((b) => b.name === 'pglite')!;
const route = { from: 'hftest.errors.in', pipeline: 'analyse', deadLetter: 'hftest.errors.dlq' };

async function refusalOf(source: string) {
  const hf = await testHoldfast(pglite, { pipelines: [analyse] });
  return startBusIngress(hf, { source, routes: [route] }).then(
    () => {
      throw new Error('started');
    },
    (error: unknown) => error,
  );
}

describe('bus ingress: a broker that cannot be used', () => {
  it('nothing listening: BUS_UNREACHABLE, retryable, with advice in English and French', async () => {
    for (const source of ['nats://127.0.0.1:1', 'amqp://guest:guest@127.0.0.1:1']) {
      const error = await refusalOf(source);
      expect(hasCode(error, 'BUS_UNREACHABLE'), String(error)).toBe(true);
      if (!hasCode(error, 'BUS_UNREACHABLE')) return;
      expect(error.retryable).toBe(true);
      expect(error.details.url).toBe(source.replace('guest:guest@', ''));
      expect(error.recommendations('en')[0]).toContain(error.details.url);
      expect(error.recommendations('fr')[0]).toContain('Rien ne répond');
    }
  });

  it('RabbitMQ refusing the login: BUS_REFUSED naming the connection, no password in the error', async () => {
    const error = await refusalOf('amqp://guest:wrong-password@127.0.0.1:5672');
    expect(hasCode(error, 'BUS_REFUSED'), String(error)).toBe(true);
    if (!hasCode(error, 'BUS_REFUSED')) return;
    expect(error.details).toMatchObject({
      broker: 'rabbitmq',
      operation: 'connect',
      url: 'amqp://127.0.0.1:5672',
    });
    expect(JSON.stringify(error.serialize('fr'))).not.toContain('wrong-password');
    expect(error.recommendations('fr')[0]).toContain("nom d'utilisateur");
  });
});
