/**
 * What the guarded client adds to a call: its latency minus a bare undici request's, to the same
 * simulator (running in another process), at concurrency 1 and 64; and how fast a call is refused
 * while the breaker is open. Target at concurrency 1: ≤ 0.2 ms added at p50, ≤ 1 ms at p99.
 *
 *   npm run bench:providers            CALLS=20000 npm run bench:providers
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'undici';
import { createProviders } from '../src/providers/provider-registry.js';
import { percentile, type Row, report } from './report.js';

const calls = Number(process.env.CALLS ?? 10_000);
const body = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Summarise the tender in one line.' }],
  max_tokens: 32,
};

// The simulator in its own process, so it does not share this event loop.
const sim = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'),
    'simulate',
    '--port',
    '0',
    '--json',
  ],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve) => {
  sim.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
});

async function measure(concurrency: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < calls) {
        started++;
        const t = performance.now();
        await call();
        samples.push(performance.now() - t);
      }
    }),
  );
  return samples.sort((a, b) => a - b);
}

const pool = new Pool(url, { connections: 64 });
const bare = async () => {
  const res = await pool.request({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return JSON.parse(text);
};
const providers = createProviders({ openai: { kind: 'openai', baseUrl: url, apiKey: 'sk-bench' } });
const client = providers.get('openai')!;
const guarded = () => client.request({ path: '/v1/chat/completions', body });

const rows: Row[] = [];
for (const concurrency of [1, 64]) {
  // Warm up both paths, then measure them alternately so drift hits both alike.
  await measure(concurrency, bare);
  await measure(concurrency, guarded);
  const b = await measure(concurrency, bare);
  const g = await measure(concurrency, guarded);
  const p = (s: number[], q: number) => percentile(s, q);
  rows.push({
    measure: 'call latency',
    concurrency,
    calls,
    'bare p50 ms': round(p(b, 50)),
    'client p50 ms': round(p(g, 50)),
    'added p50 ms': round(p(g, 50) - p(b, 50)),
    'bare p99 ms': round(p(b, 99)),
    'client p99 ms': round(p(g, 99)),
    'added p99 ms': round(p(g, 99) - p(b, 99)),
  });
  process.stderr.write(
    `concurrency ${concurrency}: added p50 ${round(p(g, 50) - p(b, 50))} ms, p99 ${round(p(g, 99) - p(b, 99))} ms\n`,
  );
}

// Breaker fast-fail: open it against a failing provider, then time the refusals.
await fetch(`${url}/_sim/faults`, { method: 'POST', body: 'openai:500' });
const fragile = createProviders({
  fragile: {
    kind: 'openai',
    baseUrl: url,
    apiKey: 'sk-bench',
    retry: { attempts: 1 },
    breaker: { failures: 5, halfOpenAfter: '10m' },
  },
}).get('fragile')!;
for (let i = 0; i < 5; i++) await fragile.request({ path: '/v1/chat/completions', body }).catch(() => {});
const refusals = await measure(1, () =>
  fragile.request({ path: '/v1/chat/completions', body }).catch((e: { code?: string }) => {
    if (e.code !== 'CIRCUIT_OPEN') throw e;
  }),
);
rows.push({
  measure: 'breaker open: refusal',
  concurrency: 1,
  calls,
  'client p50 ms': round(percentile(refusals, 50)),
  'client p99 ms': round(percentile(refusals, 99)),
});

await Promise.all([pool.close(), client.close(), fragile.close()]);
sim.kill('SIGINT');
report('providers', rows, {
  target: 'added ≤ 0.2 ms at p50 and ≤ 1 ms at p99, concurrency 1',
  references: { bifrost: 0.44, portkey: 2.4, litellm: 4.3 },
});

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
