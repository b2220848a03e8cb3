/**
 * Simulator throughput over loopback: non-streaming requests per second with no faults, so the
 * simulator is never the bottleneck of the other benchmarks. Target: ≥ 10,000 req/s.
 *
 *   npm run bench:simulator            REQUESTS=50000 npm run bench:simulator
 *
 * The simulator runs in this process; the load comes from another process: wrk when installed
 * (Debian: apt-get install wrk), else bench/load-client.ts. The Node client costs a core of its
 * own on a 2-core machine, so it under-reports; the table says which tool measured.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSimulator } from '../src/simulator/index.js';
import { type Row, report } from './report.js';
import { hasWrk, wrk } from './wrk.js';

const requests = Number(process.env.REQUESTS ?? 30_000);
const connections = Number(process.env.CONNECTIONS ?? 32);
const run = promisify(execFile);

const json = { 'content-type': 'application/json' };
const scenarios = [
  {
    name: 'openai chat (non-streaming)',
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { ...json, authorization: 'Bearer sk-bench' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Summarise the tender in one line.' }],
      max_tokens: 32,
    }),
  },
  {
    name: 'anthropic messages',
    method: 'POST',
    path: '/v1/messages',
    headers: { ...json, 'x-api-key': 'sk-ant-bench', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({
      model: 'claude-haiku-4-5',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'Score this supplier.' }],
    }),
  },
  {
    name: 'gemini generateContent',
    method: 'POST',
    path: '/v1beta/models/gemini-2.5-flash:generateContent',
    headers: { ...json, 'x-goog-api-key': 'g-bench' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Reply to this message.' }] }] }),
  },
  {
    name: 'openai embeddings (256 dims)',
    method: 'POST',
    path: '/v1/embeddings',
    headers: { ...json, authorization: 'Bearer sk-bench' },
    body: JSON.stringify({
      model: 'text-embedding-3-small',
      input: 'chunk of a tender document',
      dimensions: 256,
    }),
  },
] as const;

const sim = await startSimulator({ seed: 1, logCapacity: 1000 });
const rows: Row[] = [];
const tool = process.env.LOAD === 'node' || !hasWrk() ? 'node (undici)' : 'wrk';
if (tool !== 'wrk')
  process.stderr.write(
    'wrk not found: measuring with the Node client, which under-reports (apt-get install wrk)\n',
  );
try {
  for (const scenario of scenarios) {
    if (tool === 'wrk') {
      const result = await wrk({
        url: sim.url + scenario.path,
        method: scenario.method,
        headers: scenario.headers,
        body: scenario.body,
        connections,
        seconds: Number(process.env.SECONDS ?? 5),
      });
      if (result.non2xx > 0) throw new Error(`${scenario.name}: ${result.non2xx} answers were not 200`);
      rows.push({
        scenario: scenario.name,
        tool,
        connections,
        'req/s': Math.round(result.rps),
        'p50 ms': Number(result.p50.toFixed(2)),
        'p99 ms': Number(result.p99.toFixed(2)),
      });
      process.stderr.write(`${scenario.name}: ${Math.round(result.rps)} req/s\n`);
      continue;
    }
    const config = { url: sim.url, ...scenario, requests, connections, inflight: connections * 2 };
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'load-client.ts'), JSON.stringify(config)],
      {
        maxBuffer: 1 << 20,
      },
    );
    const result = JSON.parse(stdout) as {
      rps: number;
      p50: number;
      p99: number;
      errors: number;
      statuses: Record<string, number>;
    };
    if (result.errors > 0 || Object.keys(result.statuses).some((s) => s !== '200')) {
      throw new Error(`${scenario.name}: unexpected answers ${JSON.stringify(result)}`);
    }
    rows.push({
      scenario: scenario.name,
      tool,
      requests,
      connections,
      'req/s': Math.round(result.rps),
      'p50 ms': Number(result.p50.toFixed(2)),
      'p99 ms': Number(result.p99.toFixed(2)),
    });
    process.stderr.write(`${scenario.name}: ${Math.round(result.rps)} req/s\n`);
  }
} finally {
  await sim.close();
}
report('simulator', rows, { target: '≥ 10,000 non-streaming requests/s over loopback' });
