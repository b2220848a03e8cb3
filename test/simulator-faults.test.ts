import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../src/errors/holdfast-error.js';
import { type FaultMode, type FaultRule, type ProviderName, startSimulator } from '../src/simulator/index.js';

interface Probe {
  readonly provider: ProviderName;
  readonly route: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly stream?: boolean;
}

const chat: Probe = {
  provider: 'openai',
  route: 'chat',
  method: 'POST',
  path: '/v1/chat/completions',
  headers: { authorization: 'Bearer sk-x' },
  body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
};
const chatStream: Probe = { ...chat, body: { ...(chat.body as object), stream: true }, stream: true };
const embeddings: Probe = {
  provider: 'openai',
  route: 'embeddings',
  method: 'POST',
  path: '/v1/embeddings',
  headers: { authorization: 'Bearer sk-x' },
  body: { model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' },
};
const messages: Probe = {
  provider: 'anthropic',
  route: 'messages',
  method: 'POST',
  path: '/v1/messages',
  headers: { 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' },
  body: { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] },
};
const messagesStream: Probe = {
  ...messages,
  body: { ...(messages.body as object), stream: true },
  stream: true,
};
const generate: Probe = {
  provider: 'gemini',
  route: 'generate',
  method: 'POST',
  path: '/v1beta/models/gemini-2.5-flash:generateContent',
  headers: { 'x-goog-api-key': 'g' },
  body: { contents: [{ role: 'user', parts: [{ text: 'hello' }] }] },
};
const product: Probe = {
  provider: 'keepa',
  route: 'product',
  method: 'GET',
  path: '/product?key=k&domain=1&asin=B01',
  headers: {},
};

/**
 * What the client sees of one request, as a short word. 'slow' is only told apart when asked
 * (`slowAtMs`): a clean answer on a loaded machine can take tens of milliseconds too.
 */
async function probe(base: string, p: Probe, options: { slowAtMs?: number } = {}): Promise<string> {
  const timeoutMs = options.slowAtMs === undefined ? 250 : options.slowAtMs * 5;
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(base + p.path, {
      method: p.method,
      headers: { 'content-type': 'application/json', ...p.headers },
      body: p.body === undefined ? undefined : JSON.stringify(p.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? 'timeout' : 'reset';
  }
  let text: string;
  try {
    text = await res.text();
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? 'timeout' : 'broken';
  }
  if (res.status !== 200) return `status:${res.status}`;
  if (p.stream) {
    if (
      /"overloaded_error"|"server_error"|"UNAVAILABLE"|"error":\s*\{/.test(text) &&
      !text.includes('"error":null')
    )
      return 'stream-error';
    if (text.includes('"broken"')) return 'malformed';
    return 'ok';
  }
  try {
    JSON.parse(text);
  } catch {
    return 'malformed';
  }
  return options.slowAtMs !== undefined && performance.now() - started >= options.slowAtMs ? 'slow' : 'ok';
}

interface Case {
  readonly name: string;
  readonly rule: Omit<FaultRule, 'mode'>;
  readonly probe: Probe;
  readonly expected: string;
  /** For latency: an answer at least this late counts as delayed. */
  readonly slowAtMs?: number;
}

const cases: Case[] = [
  {
    name: 'latency',
    rule: { provider: 'openai', fault: { kind: 'latency', ms: 300 } },
    probe: embeddings,
    expected: 'slow',
    slowAtMs: 250,
  },
  { name: 'hang', rule: { provider: 'openai', fault: { kind: 'hang' } }, probe: chat, expected: 'timeout' },
  {
    name: 'rate-limit (OpenAI)',
    rule: { provider: 'openai', fault: { kind: 'rate-limit' } },
    probe: chat,
    expected: 'status:429',
  },
  {
    name: 'quota (Anthropic)',
    rule: { provider: 'anthropic', fault: { kind: 'quota' } },
    probe: messages,
    expected: 'status:429',
  },
  {
    name: 'daily-quota (Gemini)',
    rule: { provider: 'gemini', fault: { kind: 'daily-quota' } },
    probe: generate,
    expected: 'status:429',
  },
  {
    name: '500',
    rule: { provider: 'openai', fault: { kind: 'status', status: 500 } },
    probe: embeddings,
    expected: 'status:500',
  },
  {
    name: '502',
    rule: { provider: 'openai', fault: { kind: 'status', status: 502 } },
    probe: chat,
    expected: 'status:502',
  },
  {
    name: '503',
    rule: { provider: 'gemini', fault: { kind: 'status', status: 503 } },
    probe: generate,
    expected: 'status:503',
  },
  {
    name: '529',
    rule: { provider: 'anthropic', fault: { kind: 'status', status: 529 } },
    probe: messages,
    expected: 'status:529',
  },
  {
    name: 'reset',
    rule: { provider: 'anthropic', fault: { kind: 'reset' } },
    probe: messages,
    expected: 'reset',
  },
  {
    name: 'malformed',
    rule: { provider: 'gemini', fault: { kind: 'malformed' } },
    probe: generate,
    expected: 'malformed',
  },
  {
    name: 'stall (plain)',
    rule: { provider: 'openai', fault: { kind: 'stall' } },
    probe: chat,
    expected: 'timeout',
  },
  {
    name: 'stall (stream)',
    rule: { provider: 'openai', fault: { kind: 'stall' } },
    probe: chatStream,
    expected: 'timeout',
  },
  {
    name: 'break (stream)',
    rule: { provider: 'anthropic', fault: { kind: 'break' } },
    probe: messagesStream,
    expected: 'broken',
  },
  {
    name: 'stream-error',
    rule: { provider: 'anthropic', fault: { kind: 'stream-error' } },
    probe: messagesStream,
    expected: 'stream-error',
  },
  {
    name: 'keepa 429',
    rule: { provider: 'keepa', fault: { kind: 'rate-limit' } },
    probe: product,
    expected: 'status:429',
  },
];

const modes: Array<{ name: string; mode: FaultMode; requests: number; advanceMs: number }> = [
  { name: 'probability 0.5', mode: { kind: 'probability', p: 0.5 }, requests: 10, advanceMs: 0 },
  { name: 'next 3', mode: { kind: 'next', n: 3 }, requests: 6, advanceMs: 0 },
  {
    name: 'window 10s–20s',
    mode: { kind: 'window', fromMs: 10_000, toMs: 20_000 },
    requests: 6,
    advanceMs: 5000,
  },
];

async function run(c: Case, m: (typeof modes)[number], seed: number) {
  let clock = Date.UTC(2026, 10, 22);
  const sim = await startSimulator({ seed, now: () => clock, faults: [{ ...c.rule, mode: m.mode }] });
  try {
    const outcomes: string[] = [];
    for (let i = 0; i < m.requests; i++) {
      outcomes.push(await probe(sim.url, c.probe, c.slowAtMs === undefined ? {} : { slowAtMs: c.slowAtMs }));
      clock += m.advanceMs;
    }
    const counts = (
      (await (await fetch(`${sim.url}/_sim/requests`)).json()) as { counts: Record<string, number> }
    ).counts;
    return { outcomes, attempts: counts[`${c.probe.provider}:${c.probe.route}`] };
  } finally {
    await sim.close();
  }
}

describe('simulator faults', () => {
  for (const c of cases) {
    for (const m of modes) {
      it(`${c.name}, ${m.name}: reproduces exactly with the same seed`, async () => {
        const first = await run(c, m, 1);
        const second = await run(c, m, 1);
        expect(second.outcomes).toEqual(first.outcomes);
        // /_sim/requests counts every attempt, no more, no less.
        expect(first.attempts).toBe(m.requests);
        const faulted = first.outcomes.filter((o) => o === c.expected).length;
        const clean = first.outcomes.filter((o) => o === 'ok').length;
        expect(faulted + clean, first.outcomes.join(',')).toBe(m.requests);
        if (m.mode.kind === 'next')
          expect(first.outcomes).toEqual([c.expected, c.expected, c.expected, 'ok', 'ok', 'ok']);
        if (m.mode.kind === 'window')
          expect(first.outcomes).toEqual(['ok', 'ok', c.expected, c.expected, 'ok', 'ok']);
        if (m.mode.kind === 'probability') {
          expect(faulted).toBeGreaterThan(0);
          expect(clean).toBeGreaterThan(0);
          // Another seed draws another sequence.
          const other = await run(c, m, 2);
          expect(other.outcomes).not.toEqual(first.outcomes);
        }
      });
    }
  }

  it('takes faults at run time through /_sim/faults and forgets them on reset', async () => {
    const sim = await startSimulator();
    try {
      const added = await fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        body: 'openai/chat:429:next2,gemini:503',
      });
      expect(added.status).toBe(201);
      const listed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as {
        faults: Array<{ route?: string }>;
      };
      expect(listed.faults).toHaveLength(2);
      expect(await probe(sim.url, chat)).toBe('status:429');
      expect(await probe(sim.url, embeddings)).toBe('ok');
      const bad = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: 'openai:teapot' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
        "unknown fault 'teapot'",
      );
      const chatx = await fetch(`${sim.url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          rules: [{ provider: 'openai', route: 'chatx', fault: { kind: 'status', status: 500 } }],
        }),
      });
      expect(chatx.status).toBe(400);
      expect(((await chatx.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining(
          "unknown route 'chatx' for openai (one of chat, embeddings, responses, models)",
        ),
      });
      expect(sim.faults.list()).toHaveLength(2);
      await fetch(`${sim.url}/_sim/reset`, { method: 'POST' });
      expect(await probe(sim.url, chat)).toBe('ok');
      const snapshot = (await (await fetch(`${sim.url}/_sim/requests`)).json()) as { total: number };
      expect(snapshot.total).toBe(1);
    } finally {
      await sim.close();
    }
  });

  it('applies faults per API key', async () => {
    const sim = await startSimulator({ faults: 'openai@sk-bad:401' });
    try {
      expect(await probe(sim.url, { ...chat, headers: { authorization: 'Bearer sk-bad' } })).toBe(
        'status:401',
      );
      expect(await probe(sim.url, chat)).toBe('ok');
    } finally {
      await sim.close();
    }
  });

  it('refuses bad options and a busy port with a code, before serving anything', async () => {
    const refused = async (options: Parameters<typeof startSimulator>[0]) =>
      startSimulator(options).then(
        async (sim) => {
          await sim.close();
          return undefined;
        },
        (error: unknown) => error,
      );
    for (const [options, option] of [
      [{ port: 70_000 }, 'port'],
      [{ chunkDelayMs: -5 }, 'chunkDelayMs'],
      [{ keepa: { refillEveryMs: 0 } }, 'keepa.refillEveryMs'],
      [{ faults: 'openai/chatx:500' }, 'faults'],
      [{ faults: [{ provider: 'openai', fault: { kind: 'status', status: 430 } }] }, 'faults'],
    ] as const) {
      const error = await refused(options as Parameters<typeof startSimulator>[0]);
      expect(hasCode(error, 'CONFIG_INVALID') && error.details.option, JSON.stringify(options)).toBe(option);
    }
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const error = await refused({ port });
      expect(hasCode(error, 'PORT_IN_USE')).toBe(true);
      expect(error).toMatchObject({ details: { host: '127.0.0.1', port, service: 'simulator' } });
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
