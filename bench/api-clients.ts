/**
 * Load clients for bench/api.ts, in their own process so that they do not share the server's
 * event loop. argv: <json config>; prints JSON lines on stdout.
 * - submit: POST /v1/jobs for `seconds` over `connections` keep-alive connections;
 * - sse: `count` SSE streams on one path, each event's receive time noted, until they all end;
 * - idle: `count` SSE streams held open until this process is told to stop.
 */
import { request } from 'node:http';
import { Pool } from 'undici';

type Config =
  | { mode: 'submit'; url: string; key: string; seconds: number; connections: number; body: string }
  | { mode: 'sse' | 'idle'; url: string; key: string; path: string; count: number };

const config = JSON.parse(process.argv[2]!) as Config;
const now = () => performance.timeOrigin + performance.now();
const say = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (config.mode === 'submit') {
  const pool = new Pool(config.url, { connections: config.connections });
  const headers = { authorization: `Bearer ${config.key}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const send = async () => {
    const started = performance.now();
    const res = await pool.request({ method: 'POST', path: '/v1/jobs', headers, body: config.body });
    await res.body.dump();
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    return performance.now() - started;
  };
  // Warm the connections up.
  await Promise.all(Array.from({ length: config.connections }, send));
  const until = performance.now() + config.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: config.connections }, async () => {
      while (performance.now() < until) latencies.push(await send());
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  say({ requests: latencies.length, seconds, latencies, statuses });
} else {
  let connected = 0;
  let ended = 0;
  const received = new Map<number, number[]>();
  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${config.url}${config.path}`,
        { headers: { authorization: `Bearer ${config.key}`, accept: 'text/event-stream' }, agent: false },
        (res) => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          // Counted once the stream is live: its first event (the job's replayed timeline) came.
          let live = false;
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = now();
            if (!live) {
              if (!chunk.includes('\ndata: ') && !chunk.startsWith('data: ') && !buffer.includes('data: ')) {
                buffer += chunk;
                return;
              }
              live = true;
              connected++;
              resolve();
              if (config.mode === 'idle') return;
            }
            if (config.mode === 'idle') return;
            buffer += chunk;
            for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
              const frame = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              // The event's id is the first field of its JSON: read it without parsing the rest,
              // so that this process measures the server rather than its own JSON.parse.
              const match = /(?:^|\n)data: \{"id":(\d+)/.exec(frame);
              if (!match) continue;
              const id = Number(match[1]);
              const list = received.get(id);
              if (list) list.push(at);
              else received.set(id, [at]);
            }
          });
          res.on('end', () => {
            ended++;
            if (config.mode === 'sse' && ended === config.count) {
              // Exit only once the (large) line is written out: a pipe is asynchronous.
              process.stdout.write(`${JSON.stringify({ received: Object.fromEntries(received) })}\n`, () =>
                process.exit(0),
              );
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  // Open in waves, as many browsers arriving would, without flooding the accept queue.
  for (let i = 0; i < config.count; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, config.count - i) }, open));
  }
  say({ connected });
  process.on('SIGTERM', () => process.exit(0));
}
