import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HoldfastError, isHoldfastError } from '../src/errors/holdfast-error.js';
import type { ProviderClient } from '../src/providers/provider-client.js';
import type { ProviderRequest } from '../src/providers/provider-types.js';
import { type ProviderName, type Simulator, startSimulator } from '../src/simulator/index.js';
import { requests, simulatedProviders } from './support/providers.js';

let sim: Simulator;
let clients: ReturnType<typeof simulatedProviders>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5 });
  clients = simulatedProviders(sim);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

interface Case {
  readonly name: string;
  readonly provider: 'openai' | 'anthropic' | 'gemini' | 'keepa';
  readonly route: string;
  readonly fault: string;
  readonly request: ProviderRequest;
  /** Expected error (undefined: the call succeeds). */
  readonly code?: string;
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly details?: Record<string, unknown>;
  /** Attempts the simulator must have seen. */
  readonly attempts: number;
  readonly stream?: boolean;
  readonly deadlineMs?: number;
}

const simProvider: Record<Case['provider'], ProviderName> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  keepa: 'keepa',
};

const cases: Case[] = [
  // OpenAI
  {
    name: 'rate limit with a short hint: retried inline after the hint',
    provider: 'openai',
    route: 'chat',
    fault: '429=40ms',
    request: requests.chat,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 40,
    details: { limitType: 'tokens', limit: 50_000, remaining: 0, hintSource: 'retry-after-ms' },
    attempts: 3,
  },
  {
    name: 'rate limit once, then success',
    provider: 'openai',
    route: 'chat',
    fault: '429=30ms:next1',
    request: requests.chat,
    attempts: 2,
  },
  {
    name: 'long hint: ends the call, carrying the wait, without waiting',
    provider: 'openai',
    route: 'chat',
    fault: '429=20s',
    request: requests.chat,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 20_000,
    attempts: 1,
  },
  {
    name: 'hint beyond the deadline: fails at once, saying so',
    provider: 'openai',
    route: 'chat',
    fault: '429=3s',
    request: requests.chat,
    deadlineMs: 1000,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: false,
    retryAfterMs: 3000,
    details: { beyondDeadline: true },
    attempts: 1,
  },
  {
    name: 'insufficient_quota: never retried',
    provider: 'openai',
    route: 'chat',
    fault: 'quota',
    request: requests.chat,
    code: 'PROVIDER_QUOTA_EXHAUSTED',
    retryable: false,
    details: { providerCode: 'insufficient_quota' },
    attempts: 1,
  },
  {
    name: 'credit_balance_exhausted: never retried',
    provider: 'openai',
    route: 'embeddings',
    fault: 'daily-quota',
    request: requests.embeddings,
    code: 'PROVIDER_QUOTA_EXHAUSTED',
    retryable: false,
    details: { providerCode: 'credit_balance_exhausted' },
    attempts: 1,
  },
  {
    name: '500',
    provider: 'openai',
    route: 'embeddings',
    fault: '500',
    request: requests.embeddings,
    code: 'PROVIDER_ERROR',
    retryable: true,
    details: { status: 500 },
    attempts: 3,
  },
  {
    name: '502 answered in HTML',
    provider: 'openai',
    route: 'chat',
    fault: '502',
    request: requests.chat,
    code: 'PROVIDER_ERROR',
    retryable: true,
    details: { status: 502 },
    attempts: 3,
  },
  {
    name: '503',
    provider: 'openai',
    route: 'responses',
    fault: '503',
    request: requests.responses,
    code: 'PROVIDER_OVERLOADED',
    retryable: true,
    attempts: 3,
  },
  {
    name: '401: rejected, not retried',
    provider: 'openai',
    route: 'chat',
    fault: '401',
    request: requests.chat,
    code: 'PROVIDER_REJECTED',
    retryable: false,
    details: { status: 401, providerCode: 'invalid_api_key' },
    attempts: 1,
  },
  {
    name: '404: rejected, not retried',
    provider: 'openai',
    route: 'chat',
    fault: '404',
    request: requests.chat,
    code: 'PROVIDER_REJECTED',
    retryable: false,
    attempts: 1,
  },
  {
    name: 'connection reset',
    provider: 'openai',
    route: 'chat',
    fault: 'reset',
    request: requests.chat,
    code: 'PROVIDER_UNREACHABLE',
    retryable: true,
    attempts: 3,
  },
  {
    name: 'hang: headers timeout',
    provider: 'openai',
    route: 'chat',
    fault: 'hang',
    request: requests.chat,
    code: 'PROVIDER_TIMEOUT',
    retryable: true,
    details: { phase: 'headers', timeoutMs: 300 },
    attempts: 3,
  },
  {
    name: 'malformed JSON',
    provider: 'openai',
    route: 'chat',
    fault: 'malformed',
    request: requests.chat,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 3,
  },
  {
    name: 'stalled answer: body timeout',
    provider: 'openai',
    route: 'embeddings',
    fault: 'stall',
    request: requests.embeddings,
    code: 'PROVIDER_TIMEOUT',
    retryable: true,
    details: { phase: 'body' },
    attempts: 3,
  },
  {
    name: 'latency only: success',
    provider: 'openai',
    route: 'chat',
    fault: 'latency=30ms',
    request: requests.chat,
    attempts: 1,
  },
  {
    name: 'stream error mid-stream',
    provider: 'openai',
    route: 'chat',
    fault: 'stream-error',
    request: requests.chatStream,
    stream: true,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 1,
  },
  {
    name: 'stream stalls mid-stream: body timeout',
    provider: 'openai',
    route: 'chat',
    fault: 'stall',
    request: requests.chatStream,
    stream: true,
    code: 'PROVIDER_TIMEOUT',
    retryable: true,
    details: { phase: 'body' },
    attempts: 1,
  },
  // Anthropic
  {
    name: 'rate limit with retry-after',
    provider: 'anthropic',
    route: 'messages',
    fault: '429=1s:next1',
    request: requests.messages,
    attempts: 2,
  },
  {
    name: 'rate limit, long retry-after',
    provider: 'anthropic',
    route: 'messages',
    fault: '429=30s',
    request: requests.messages,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 30_000,
    details: { limitType: 'input-tokens', remaining: 0, hintSource: 'retry-after' },
    attempts: 1,
  },
  {
    name: 'enforced_spend_limit_reached: never retried',
    provider: 'anthropic',
    route: 'messages',
    fault: 'quota',
    request: requests.messages,
    code: 'PROVIDER_QUOTA_EXHAUSTED',
    retryable: false,
    details: { providerCode: 'enforced_spend_limit_reached' },
    attempts: 1,
  },
  {
    name: 'credit balance too low: never retried',
    provider: 'anthropic',
    route: 'messages',
    fault: 'daily-quota',
    request: requests.messages,
    code: 'PROVIDER_QUOTA_EXHAUSTED',
    retryable: false,
    attempts: 1,
  },
  {
    name: '529 overloaded',
    provider: 'anthropic',
    route: 'messages',
    fault: '529',
    request: requests.messages,
    code: 'PROVIDER_OVERLOADED',
    retryable: true,
    details: { status: 529 },
    attempts: 3,
  },
  {
    name: '500 api_error',
    provider: 'anthropic',
    route: 'messages',
    fault: '500',
    request: requests.messages,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 3,
  },
  {
    name: 'overloaded_error in the middle of a stream',
    provider: 'anthropic',
    route: 'messages',
    fault: 'stream-error',
    request: requests.messagesStream,
    stream: true,
    code: 'PROVIDER_OVERLOADED',
    retryable: true,
    details: { providerCode: 'overloaded_error' },
    attempts: 1,
  },
  {
    name: 'stream broken half-way',
    provider: 'anthropic',
    route: 'messages',
    fault: 'break',
    request: requests.messagesStream,
    stream: true,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 1,
  },
  {
    name: 'reset before answering',
    provider: 'anthropic',
    route: 'messages',
    fault: 'reset',
    request: requests.messages,
    code: 'PROVIDER_UNREACHABLE',
    retryable: true,
    attempts: 3,
  },
  // Gemini
  {
    name: 'RESOURCE_EXHAUSTED per minute: RetryInfo honoured',
    provider: 'gemini',
    route: 'generate',
    fault: '429=40ms',
    request: requests.generate,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 40,
    details: { hintSource: 'retry-info', limitType: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' },
    attempts: 3,
  },
  {
    name: 'RetryInfo of 53 s: ends the call with the wait',
    provider: 'gemini',
    route: 'generate',
    fault: '429=53.016s',
    request: requests.generate,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 53_016,
    attempts: 1,
  },
  {
    name: 'PerDay quota: exhausted, never retried',
    provider: 'gemini',
    route: 'generate',
    fault: 'daily-quota',
    request: requests.generate,
    code: 'PROVIDER_QUOTA_EXHAUSTED',
    retryable: false,
    details: { quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' },
    attempts: 1,
  },
  {
    name: '503 UNAVAILABLE',
    provider: 'gemini',
    route: 'generate',
    fault: '503',
    request: requests.generate,
    code: 'PROVIDER_OVERLOADED',
    retryable: true,
    attempts: 3,
  },
  {
    name: 'API key not valid',
    provider: 'gemini',
    route: 'generate',
    fault: '401',
    request: requests.generate,
    code: 'PROVIDER_REJECTED',
    retryable: false,
    details: { providerCode: 'API_KEY_INVALID' },
    attempts: 1,
  },
  {
    name: 'error chunk mid-stream',
    provider: 'gemini',
    route: 'stream',
    fault: 'stream-error',
    request: requests.generateStream,
    stream: true,
    code: 'PROVIDER_OVERLOADED',
    retryable: true,
    attempts: 1,
  },
  {
    name: 'malformed JSON',
    provider: 'gemini',
    route: 'generate',
    fault: 'malformed',
    request: requests.generate,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 3,
  },
  // Keepa-like, through the generic adapter
  {
    name: 'empty bucket: waits for the refill the body announces',
    provider: 'keepa',
    route: 'product',
    fault: '429',
    request: requests.product,
    code: 'PROVIDER_RATE_LIMITED',
    retryable: true,
    details: { hintSource: 'provider body' },
    attempts: 1,
  },
  {
    name: '500',
    provider: 'keepa',
    route: 'product',
    fault: '500',
    request: requests.product,
    code: 'PROVIDER_ERROR',
    retryable: true,
    attempts: 3,
  },
  {
    name: 'hang',
    provider: 'keepa',
    route: 'product',
    fault: 'hang',
    request: requests.product,
    code: 'PROVIDER_TIMEOUT',
    retryable: true,
    details: { phase: 'headers' },
    attempts: 3,
  },
];

async function run(client: ProviderClient, c: Case): Promise<unknown> {
  const deadline = c.deadlineMs === undefined ? undefined : Date.now() + c.deadlineMs;
  if (!c.stream) return client.request(c.request, { deadline });
  const stream = await client.stream(c.request, { deadline });
  for await (const _ of stream) {
    // drain
  }
  return stream;
}

describe('guarded calls through the simulator: every fault', () => {
  for (const c of cases) {
    it(`${c.provider}: ${c.name}`, async () => {
      sim.faults.add(`${c.provider}/${c.route}:${c.fault}`);
      const outcome = await run(clients[c.provider], c).catch((e: unknown) => e);
      expect(sim.attempts(simProvider[c.provider], c.route)).toBe(c.attempts);
      if (c.code === undefined) {
        expect(isHoldfastError(outcome), String(outcome)).toBe(false);
        return;
      }
      expect(isHoldfastError(outcome), String(outcome)).toBe(true);
      const error = outcome as HoldfastError;
      expect(error.code).toBe(c.code);
      expect(error.retryable).toBe(c.retryable);
      if (c.retryAfterMs !== undefined) expect(error.retryAfterMs).toBe(c.retryAfterMs);
      expect(error.details).toMatchObject({ provider: c.provider, ...c.details });
      expect(error.recommendations().length).toBeGreaterThan(0);
    });
  }

  it('keepa: the wait is what the body says the refill takes', async () => {
    sim.faults.add('keepa:429');
    const error = (await clients.keepa.request(requests.product).catch((e: unknown) => e)) as HoldfastError;
    expect(error.retryAfterMs).toBeGreaterThan(50_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});
