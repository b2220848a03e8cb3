import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HoldfastError, isHoldfastError } from '../src/errors/holdfast-error.js';
import { InMemoryBudgetGate } from '../src/providers/budget-gate.js';
import { createProviders } from '../src/providers/provider-registry.js';
import type { CallAttempt } from '../src/providers/provider-types.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { fast, requests, simulatedProviders } from './support/providers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 9 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const lastCharge = () => sim.requests().log.at(-1)!.usage;

describe('usage read from real-format answers equals what the simulator charged', () => {
  const plain = [
    ['openai', requests.chat],
    ['openai', requests.embeddings],
    ['openai', requests.responses],
    ['anthropic', requests.messages],
    ['gemini', requests.generate],
    ['keepa', requests.product],
  ] as const;
  for (const [provider, request] of plain) {
    it(`${provider} ${request.path}`, async () => {
      const gate = new InMemoryBudgetGate({});
      const clients = simulatedProviders(sim, {}, gate);
      const res = await clients[provider].request(request);
      const charged = lastCharge();
      expect(res.usage).toBeDefined();
      if (provider === 'keepa') {
        expect(res.usage!.meters).toEqual({ 'keepa:tokens': charged.input });
      } else {
        expect(res.usage).toMatchObject({
          input: charged.input,
          output: charged.output,
          cached: charged.cached ?? 0,
        });
        expect(res.usage!.meters).toEqual({ [`${provider}:tokens`]: charged.input + charged.output });
      }
      // The gate settled exactly that, and no hold is left open.
      expect(gate.log.at(-1)).toMatchObject({ op: 'settle', meters: res.usage!.meters });
      expect(gate.openHolds).toBe(0);
    });
  }

  const streamed = [
    ['openai', requests.chatStream],
    ['anthropic', requests.messagesStream],
    ['gemini', requests.generateStream],
  ] as const;
  for (const [provider, request] of streamed) {
    it(`${provider} streamed`, async () => {
      const gate = new InMemoryBudgetGate({});
      const clients = simulatedProviders(sim, {}, gate);
      const stream = await clients[provider].stream(request);
      let events = 0;
      for await (const _ of stream) events++;
      const usage = await stream.usage;
      const charged = lastCharge();
      expect(events).toBeGreaterThan(2);
      expect(usage).toMatchObject({ input: charged.input, output: charged.output });
      expect(gate.log.at(-1)).toMatchObject({ op: 'settle', meters: usage!.meters });
      expect(gate.openHolds).toBe(0);
    });
  }

  it('openai streams are metered even when the caller did not ask for usage', async () => {
    const clients = simulatedProviders(sim);
    const res = await clients.openai.request({
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true },
    });
    expect(res.usage).toMatchObject({ input: lastCharge().input, output: lastCharge().output });
  });

  it('a broken stream still settles what was generated before it broke', async () => {
    const gate = new InMemoryBudgetGate({});
    const clients = simulatedProviders(sim, {}, gate);
    sim.faults.add('anthropic:break:next1');
    const stream = await clients.anthropic.stream(requests.messagesStream);
    await expect(
      (async () => {
        for await (const _ of stream) {
          // drain
        }
      })(),
    ).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    const usage = await stream.usage;
    expect(usage!.input).toBe(lastCharge().input);
    expect(usage!.output).toBeGreaterThanOrEqual(lastCharge().output);
    expect(gate.openHolds).toBe(0);
  });
});

describe('circuit breaker over HTTP', () => {
  it('opens after the threshold, fails fast without reaching the provider, one trial when half-open, closes on success', async () => {
    const clients = createProviders({
      openai: {
        kind: 'openai',
        baseUrl: sim.url,
        apiKey: 'k',
        ...fast,
        retry: { attempts: 1 },
        breaker: { failures: 3, halfOpenAfter: '300ms' },
      },
    });
    const openai = clients.get('openai')!;
    sim.faults.add('openai:500');
    for (let i = 0; i < 3; i++)
      await expect(openai.request(requests.chat)).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    expect(openai.breaker!.state).toMatchObject({ state: 'open', failures: 3 });
    const fastFail = (await openai.request(requests.chat).catch((e: unknown) => e)) as HoldfastError;
    expect(fastFail).toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
    expect(fastFail.retryAfterMs).toBeGreaterThan(0);
    expect(fastFail.retryAfterMs).toBeLessThanOrEqual(300);
    expect(sim.attempts('openai')).toBe(3);

    await new Promise((r) => setTimeout(r, 320));
    sim.faults.clear();
    sim.faults.add('openai:latency=150ms');
    const trial = openai.request(requests.chat);
    // While the trial is out, other callers are refused.
    await expect(openai.request(requests.chat)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    await expect(trial).resolves.toMatchObject({ status: 200 });
    expect(openai.breaker!.state).toEqual({ state: 'closed', failures: 0 });
    expect(sim.attempts('openai')).toBe(4);
    await openai.close();
  });
});

describe('cancellation', () => {
  it('an abort during a 2 s backoff settles within 50 ms and sends nothing more', async () => {
    const clients = simulatedProviders(sim);
    sim.faults.add('openai:429=2s');
    const controller = new AbortController();
    const attempts: CallAttempt[] = [];
    const call = clients.openai.request(requests.chat, {
      signal: controller.signal,
      onAttempt: (a) => attempts.push(a),
    });
    const settled = call.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    while (attempts.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(attempts[0]).toMatchObject({ outcome: 'retry', retryInMs: 2000 });
    await new Promise((r) => setTimeout(r, 100));
    const abortedAt = performance.now();
    controller.abort(new Error('user cancelled'));
    const result = await settled;
    expect(performance.now() - abortedAt).toBeLessThan(50);
    expect((result as Error).message).toBe('user cancelled');
    await new Promise((r) => setTimeout(r, 2300));
    expect(sim.attempts('openai', 'chat')).toBe(1);
  });
});

describe('budgets', () => {
  it('reserves the worst case before a call and releases it when the provider refuses', async () => {
    const gate = new InMemoryBudgetGate({ 'openai:tokens': 1_000_000 });
    const clients = simulatedProviders(sim, {}, gate);
    sim.faults.add('openai:400:next1');
    await expect(clients.openai.request(requests.chat)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });
    expect(gate.log.map((l) => l.op)).toEqual(['reserve', 'release']);
    // The hold was the body's bytes (an upper bound of its tokens) plus max_tokens.
    expect(gate.log[0]!.meters['openai:tokens']).toBe(
      Buffer.byteLength(JSON.stringify(requests.chat.body)) + 64,
    );
    expect(gate.used.get('openai:tokens') ?? 0).toBe(0);
  });

  it('refuses a call that does not fit, before sending it', async () => {
    const gate = new InMemoryBudgetGate({ 'openai:tokens': 100 });
    const clients = simulatedProviders(sim, {}, gate);
    await expect(clients.openai.request(requests.chat)).rejects.toMatchObject({
      code: 'BUDGET_EXCEEDED',
      details: { meter: 'openai:tokens', cap: 100 },
    });
    expect(sim.attempts('openai')).toBe(0);
  });

  it('caps a request that sets no output limit to what the budget has left', async () => {
    const gate = new InMemoryBudgetGate({ 'openai:tokens': 160 });
    const clients = simulatedProviders(sim, {}, gate);
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Write a long answer' }] };
    const res = await clients.openai.request<{ choices: Array<{ finish_reason: string }> }>({
      path: '/v1/chat/completions',
      body,
    });
    const room = 160 - Buffer.byteLength(JSON.stringify(body));
    expect(res.usage!.output).toBeLessThanOrEqual(room);
    expect(gate.used.get('openai:tokens')).toBe(res.usage!.input + res.usage!.output);
    expect(gate.used.get('openai:tokens')).toBeLessThanOrEqual(160);
  });

  it('charges the whole hold when an answer was lost and may have been billed', async () => {
    const gate = new InMemoryBudgetGate({});
    const clients = simulatedProviders(sim, { retry: { attempts: 1 } }, gate);
    sim.faults.add('openai:hang:next1');
    await expect(clients.openai.request(requests.chat)).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
    expect(gate.log.map((l) => l.op)).toEqual(['reserve', 'settle']);
    expect(gate.used.get('openai:tokens')).toBe(gate.log[0]!.meters['openai:tokens']);
  });

  it('cuts a stream whose output outgrows its hold (a provider ignoring max_tokens)', async () => {
    const rogue = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (content: string) =>
        `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      for (let i = 0; i < 200; i++) res.write(chunk('way too many words here '));
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', () => r()));
    const gate = new InMemoryBudgetGate({ 'rogue:tokens': 10_000 });
    const clients = createProviders(
      {
        rogue: {
          kind: 'openai',
          baseUrl: `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`,
          apiKey: 'k',
          ...fast,
        },
      },
      { gate },
    );
    const stream = await clients.get('rogue')!.stream({
      path: '/v1/chat/completions',
      body: { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 50, stream: true },
    });
    let seen = 0;
    const error = await (async () => {
      for await (const _ of stream) seen++;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(seen).toBeLessThan(200);
    expect(gate.openHolds).toBe(0);
    await clients.get('rogue')!.close();
    rogue.close();
  });
});

describe('cache and fallback', () => {
  it('serves a repeated call from the cache: no request, no budget, hit counted; invalidates by pattern', async () => {
    const gate = new InMemoryBudgetGate({});
    const clients = simulatedProviders(sim, { cache: { ttl: '1m', paths: ['/v1/embeddings'] } }, gate);
    const first = await clients.openai.request(requests.embeddings);
    const second = await clients.openai.request(requests.embeddings);
    expect(second.cached).toBe(true);
    expect(second.body).toEqual(first.body);
    expect(sim.attempts('openai', 'embeddings')).toBe(1);
    expect(gate.log.filter((l) => l.op === 'reserve')).toHaveLength(1);
    await clients.openai.request(requests.chat);
    await clients.openai.request(requests.chat);
    expect(sim.attempts('openai', 'chat')).toBe(2);
    expect(clients.openai.cache!.stats).toMatchObject({ hits: 1, misses: 1, size: 1 });
    expect(clients.openai.invalidate('openai:POST /v1/embeddings:*')).toBe(1);
    await clients.openai.request(requests.embeddings);
    expect(sim.attempts('openai', 'embeddings')).toBe(2);
  });

  it('falls back to another provider of the same kind when the quota is gone or the breaker is open', async () => {
    const backup = await startSimulator({ seed: 2 });
    try {
      const clients = createProviders({
        primary: { kind: 'openai', baseUrl: sim.url, apiKey: 'k', ...fast, fallback: 'backup' },
        backup: { kind: 'openai', baseUrl: backup.url, apiKey: 'k2', ...fast },
      });
      sim.faults.add('openai:quota');
      const res = await clients.get('primary')!.request(requests.chat);
      expect(res.provider).toBe('backup');
      expect(res.usage!.meter).toBe('backup:tokens');
      expect(sim.attempts('openai')).toBe(1);
      expect(backup.attempts('openai')).toBe(1);
      for (const c of clients.values()) await c.close();
      expect(() =>
        createProviders({
          a: { kind: 'openai', apiKey: 'k', fallback: 'b' },
          b: { kind: 'gemini', apiKey: 'k' },
        }),
      ).toThrow(/same kind/);
    } finally {
      await backup.close();
    }
  });
});

describe('recommendations say what the client did', () => {
  it('a connection failure that was not retried does not claim to be retried', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const make = (attempts: number) =>
      createProviders({
        p: {
          kind: 'openai',
          baseUrl: `http://127.0.0.1:${port}`,
          apiKey: 'k',
          ...fast,
          retry: { attempts, backoff: { initial: '1ms', max: '2ms' } },
        },
      }).get('p')!;
    const single = make(1);
    const once = (await single.request(requests.chat).catch((e: unknown) => e)) as HoldfastError;
    await single.close();
    expect(once).toMatchObject({
      code: 'PROVIDER_UNREACHABLE',
      details: { errno: 'ECONNREFUSED', attempts: 1, decision: 'attempts-used' },
    });
    for (const locale of ['en', 'fr'] as const) {
      const text = once.recommendations(locale).join('\n');
      expect(text).not.toMatch(/retried automatically|relancés automatiquement/);
    }
    expect(once.recommendations('en')).toContain(
      'It was not retried: this provider allows a single attempt per call (`retry.attempts: 1`).',
    );

    const thrice = make(3);
    const attempts: CallAttempt[] = [];
    const retried = (await thrice
      .request(requests.chat, { onAttempt: (a) => attempts.push(a) })
      .catch((e: unknown) => e)) as HoldfastError;
    await thrice.close();
    expect(retried.recommendations('en')).toContain(
      'All 3 attempts of the call failed (`retry.attempts` is 3).',
    );
    // Each attempt event explains itself too: the first two were followed by a retry.
    expect(attempts.map((a) => a.error?.details)).toMatchObject([
      { decision: 'retrying', attempts: 1 },
      { decision: 'retrying', attempts: 2 },
      { decision: 'attempts-used', attempts: 3 },
    ]);
    expect(attempts[0]!.error!.recommendations('en')[1]).toMatch(
      /^Attempt 1 of 3 failed; the call tries again in \d+ ms\.$/,
    );
  });
});

describe('configuration', () => {
  it('refuses bad options, naming them', () => {
    expect(() => createProviders({ x: { kind: 'azure' as never } })).toThrow(/providers.x.kind/);
    expect(() => createProviders({ x: { kind: 'http' } })).toThrow(/providers.x.baseUrl is required/);
    expect(() => createProviders({ x: { kind: 'openai', apiKey: 'k', retry: { attempts: 0 } } })).toThrow(
      /providers.x.retry.attempts/,
    );
    expect(() =>
      createProviders({ x: { kind: 'openai', apiKey: 'k', timeouts: { headers: 'soon' } } }),
    ).toThrow(/providers.x.timeouts.headers/);
    expect(isHoldfastError(new Error())).toBe(false);
  });
});
