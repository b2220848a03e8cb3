import { describe, expect, it } from 'vitest';
import { resolveWorkerOptions } from '../src/config/worker-options.js';
import { isHoldfastError } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { resolveBudgets } from '../src/ledger/budget-config.js';
import { createProviders } from '../src/providers/provider-registry.js';
import { backoffPolicy } from '../src/resilience/backoff.js';
import { Bulkhead } from '../src/resilience/bulkhead.js';
import { CircuitBreaker } from '../src/resilience/circuit-breaker.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { startSimulator } from '../src/simulator/index.js';
import { systemClock } from '../src/time/clock.js';
import { parseDuration } from '../src/time/duration.js';

const run = async () => undefined;

/** Bad configuration, layer by layer, and the option each must be reported against. */
const cases: ReadonlyArray<readonly [string, () => unknown]> = [
  ['providers.x.kind', () => createProviders({ x: { kind: 'azure' as never } }, { env: {} })],
  ['providers.x.baseUrl', () => createProviders({ x: { kind: 'openai', apiKey: 'k', baseUrl: 'nope' } })],
  [
    'providers.x.breaker.failures',
    () => createProviders({ x: { kind: 'openai', apiKey: 'k', breaker: { failures: -1 } } }),
  ],
  [
    'providers.x.bulkhead.concurrency',
    () => createProviders({ x: { kind: 'openai', apiKey: 'k', bulkhead: { concurrency: 0 } } }),
  ],
  [
    'providers.x.timeouts.body',
    () => createProviders({ x: { kind: 'openai', apiKey: 'k', timeouts: { body: Number.NaN } } }),
  ],
  ['providers.a.fallback', () => createProviders({ a: { kind: 'openai', apiKey: 'k', fallback: 'b' } })],
  [
    'budgets.accounts[0].limit',
    () => resolveBudgets({ accounts: [{ meter: 'usd', period: 'day', limit: Number.NaN }] }),
  ],
  [
    'budgets.accounts[0].limit',
    () => resolveBudgets({ accounts: [{ meter: 'usd', period: 'day', limit: -5 }] }),
  ],
  [
    'budgets.accounts[0].period',
    () => resolveBudgets({ accounts: [{ meter: 'usd', period: 'week' as never, limit: 5 }] }),
  ],
  [
    'budgets.accounts[0].period.refill',
    () => resolveBudgets({ accounts: [{ meter: 'k', period: { refill: 0, every: '1m', capacity: 5 } }] }),
  ],
  ['budgets.thresholds', () => resolveBudgets({ thresholds: [1.5] })],
  ['worker.concurrency', () => resolveWorkerOptions({ concurrency: -1 })],
  ['worker.lease', () => resolveWorkerOptions({ lease: 'soon' })],
  ['worker.heartbeat', () => resolveWorkerOptions({ lease: '1s', heartbeat: '2s' })],
  ['timeout', () => parseDuration(Number.NaN, 'timeout')],
  ['retry.backoff.factor', () => backoffPolicy({ factor: Number.NaN }, 'retry.backoff')],
  [
    'breaker.failures',
    () => new CircuitBreaker({ kind: 'consecutive', threshold: 0, halfOpenAfterMs: 1 }, systemClock),
  ],
  ['bulkhead.concurrency', () => new Bulkhead(0, 0)],
  ['pipeline.name', () => definePipeline({ name: 'a b', run })],
  ['pipelines.p.run', () => definePipeline({ name: 'p', run: 1 as never })],
  ['pipelines.p.timeout', () => definePipeline({ name: 'p', run, timeout: -1 })],
  ['pipelines.p.retry.attempts', () => definePipeline({ name: 'p', run, retry: { attempts: 0 } })],
  ["pipelines.p.budget['usd']", () => definePipeline({ name: 'p', run, budget: { usd: Number.NaN } })],
  ['pipelines.p.steps', () => definePipeline({ name: 'p', run, steps: ['a', 'b', 'a'] })],
  [
    'worker.concurrency',
    () => createHoldfast({ database: 'memory://', pipelines: [], worker: { concurrency: 0 } }),
  ],
];

describe('bad configuration is CONFIG_INVALID naming the option, never a bare RangeError', () => {
  for (const [option, make] of cases) {
    it(option, () => {
      let error: unknown;
      try {
        make();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeDefined();
      expect(error).not.toBeInstanceOf(RangeError);
      expect(isHoldfastError(error) && error.code).toBe('CONFIG_INVALID');
      if (!isHoldfastError(error) || error.code !== 'CONFIG_INVALID') return;
      expect(error.details).toMatchObject({ option, problemFr: expect.any(String) });
      expect(error.message).toContain(option);
      expect(error.recommendations('en')[0]).toContain(option);
      expect(error.recommendations('fr')[0]).toContain(option);
    });
  }

  it('the simulator too', async () => {
    await expect(startSimulator({ port: -1 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { option: 'port' },
    });
  });
});
