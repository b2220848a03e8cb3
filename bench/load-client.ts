/**
 * A load generator for the benchmarks, run in its own process: sends `requests` requests over
 * `connections` keep-alive connections with up to `inflight` in flight, and prints JSON figures.
 * argv: <json config>
 */
import { Pool } from 'undici';

interface Config {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  requests: number;
  connections: number;
  inflight: number;
}

const config = JSON.parse(process.argv[2]!) as Config;
const pool = new Pool(config.url, {
  connections: config.connections,
  pipelining: (config as { pipelining?: number }).pipelining ?? 1,
});
const latencies = new Float64Array(config.requests);
let sent = 0;
let errors = 0;
const statuses: Record<number, number> = {};

async function lane(): Promise<void> {
  while (sent < config.requests) {
    const index = sent++;
    const started = performance.now();
    try {
      const res = await pool.request({
        method: config.method,
        path: config.path,
        headers: config.headers,
        body: config.body,
      });
      await res.body.dump();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    } catch {
      errors++;
    }
    latencies[index] = performance.now() - started;
  }
}

// Warm up the connections first.
await Promise.all(
  Array.from({ length: config.connections }, () =>
    pool.request({ method: 'GET', path: '/_sim/health' }).then((r) => r.body.dump()),
  ),
);
const started = performance.now();
await Promise.all(Array.from({ length: config.inflight }, lane));
const seconds = (performance.now() - started) / 1000;
const sorted = Array.from(latencies).sort((a, b) => a - b);
const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
process.stdout.write(
  `${JSON.stringify({ requests: config.requests, seconds, rps: config.requests / seconds, p50: at(50), p99: at(99), errors, statuses })}\n`,
);
await pool.close();
