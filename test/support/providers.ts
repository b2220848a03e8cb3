import { afterAll } from 'vitest';
import type { BudgetGate } from '../../src/providers/budget-gate.js';
import type { ProviderClient } from '../../src/providers/provider-client.js';
import type { ProviderOptions } from '../../src/providers/provider-config.js';
import { createProviders } from '../../src/providers/provider-registry.js';
import type { Simulator } from '../../src/simulator/index.js';

const made: ProviderClient[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((c) => c.close()));
});

/** Fast test settings: short backoff and timeouts, no breaker unless asked. */
export const fast = {
  retry: { attempts: 3, backoff: { initial: '10ms', max: '20ms' } },
  timeouts: { connect: '1s', headers: '300ms', body: '300ms' },
  breaker: false,
} as const satisfies Partial<ProviderOptions>;

/** The four adapters pointed at the simulator. */
export function simulatedProviders(
  sim: Simulator,
  overrides: Partial<ProviderOptions> = {},
  gate?: BudgetGate,
) {
  const clients = createProviders(
    {
      openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-test', ...fast, ...overrides },
      anthropic: { kind: 'anthropic', baseUrl: sim.url, apiKey: 'sk-ant-test', ...fast, ...overrides },
      gemini: { kind: 'gemini', baseUrl: sim.url, apiKey: 'gemini-test', ...fast, ...overrides },
      keepa: {
        kind: 'http',
        baseUrl: sim.url,
        apiKey: 'keepa-test',
        auth: { query: 'key' },
        usage: (answer) => ({
          'keepa:tokens': Number((answer.body as { tokensConsumed?: number }).tokensConsumed ?? 0),
        }),
        cost: (request) => ({ 'keepa:tokens': String(request.query?.asin ?? '').split(',').length }),
        balance: (answer) => ({
          'keepa:tokens': Number((answer.body as { tokensLeft?: number }).tokensLeft ?? 0),
        }),
        retryAfter: (answer) =>
          answer.status === 429 ? Number((answer.body as { refillIn?: number }).refillIn) : undefined,
        ...fast,
        ...overrides,
      },
    },
    { gate },
  );
  made.push(...clients.values());
  return {
    openai: clients.get('openai')!,
    anthropic: clients.get('anthropic')!,
    gemini: clients.get('gemini')!,
    keepa: clients.get('keepa')!,
  };
}

export const requests = {
  chat: {
    path: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Analyse tender VSGP-AO' }],
      max_tokens: 64,
    },
  },
  chatStream: {
    path: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Analyse tender VSGP-AO' }],
      max_tokens: 64,
      stream: true,
    },
  },
  embeddings: {
    path: '/v1/embeddings',
    body: { model: 'text-embedding-3-small', input: ['chunk 1', 'chunk 2'], encoding_format: 'float' },
  },
  responses: {
    path: '/v1/responses',
    body: { model: 'gpt-4o-mini', input: 'Rank the suppliers', max_output_tokens: 64 },
  },
  messages: {
    path: '/v1/messages',
    body: { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Score Acme' }] },
  },
  messagesStream: {
    path: '/v1/messages',
    body: {
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Score Acme' }],
      stream: true,
    },
  },
  generate: {
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    body: {
      contents: [{ role: 'user', parts: [{ text: 'Reply to the customer' }] }],
      generationConfig: { maxOutputTokens: 64 },
    },
  },
  generateStream: {
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    body: {
      contents: [{ role: 'user', parts: [{ text: 'Reply to the customer' }] }],
      generationConfig: { maxOutputTokens: 64 },
    },
  },
  product: { method: 'GET', path: '/product', query: { domain: 1, asin: 'B01,B02' } },
} as const;
