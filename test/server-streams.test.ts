import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { replayEvents } from '../src/events/event-log.js';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import { internalsOf } from '../src/runtime/internals.js';
import { createServer, type HoldfastServer } from '../src/server/create-server.js';
import { backends } from './support/backends.js';
import { type TestServer, testServer } from './support/server.js';
import { openSse, type SseMessage } from './support/sse-client.js';
import { waitFor } from './support/wait.js';

/**
 * The live streams over real sockets, with the job run by a worker in ANOTHER process on a
 * shared PostgreSQL: its events reach this API process through LISTEN/NOTIFY.
 */

const postgres = backends.find((b) => b.name === 'postgres')!;
const workerScript = new URL('./fixtures/server-worker.ts', import.meta.url).pathname;

const events = (messages: SseMessage[]) =>
  messages
    .filter((m) => m.event !== 'closing' && m.event !== 'error')
    .map((m) => JSON.parse(m.data) as AnyHoldfastEvent);

describe.runIf(postgres.available)('live event streams, a worker in another process', () => {
  let t: TestServer;
  let url = '';
  let worker: ChildProcess;
  let workerId = '';
  let acmeKey = '';
  let globexKey = '';

  beforeAll(async () => {
    const database = await postgres.database();
    t = await testServer(database, { workers: false });
    url = await t.server.listen();
    acmeKey = await t.tenantKey('acme');
    globexKey = await t.tenantKey('globex');
    worker = spawn(process.execPath, ['--import', 'tsx', workerScript, database], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workerId = await new Promise<string>((resolve, reject) => {
      let out = '';
      worker.stdout!.on('data', (d) => {
        out += d;
        const match = /ready (\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });

  const submit = async (key: string, body: unknown) => {
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };

  it('streams a job’s events as the other process commits them; Last-Event-ID after a dropped connection loses and repeats nothing', async () => {
    const id = await submit(acmeKey, { pipeline: 'ticker', input: { ticks: 40, intervalMs: 15 } });
    const auth = { authorization: `Bearer ${acmeKey}` };
    const first = openSse(`${url}/v1/jobs/${id}/events`, auth);
    expect((await first.response).statusCode).toBe(200);
    expect((await first.response).headers['content-type']).toContain('text/event-stream');
    // Drop the connection in the middle of the job, as a flaky network would.
    await first.until((m) => m.length >= 15);
    first.drop();
    const received = events(first.messages);
    const lastId = first.messages.at(-1)!.id!;
    expect(Number(lastId)).toBe(received.at(-1)!.seq);
    const second = openSse(`${url}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': lastId });
    await second.ended; // the server ends the stream after the terminal event
    const resumed = events(second.messages);
    const all = [...received, ...resumed];
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.at(-1)!.type).toBe('job:succeeded');
    const stored = await replayEvents((await internalsOf(t.hf).open()).store, { jobId: id });
    expect(all.map((e) => [e.seq, e.type])).toEqual(stored.map((e) => [e.seq, e.type]));
    expect(second.messages.every((m, i) => m.id === String(resumed[i]!.seq))).toBe(true);
    // The worker that committed them is the other process.
    const started = all.find((e) => e.type === 'job:started') as Extract<
      AnyHoldfastEvent,
      { type: 'job:started' }
    >;
    expect(started.payload.workerId).toBe(workerId);
    expect(started.payload.workerId).not.toBe((await internalsOf(t.hf).open()).workerId);
  });

  it('reconnects many times in a row without losing or repeating an event', async () => {
    const id = await submit(acmeKey, { pipeline: 'ticker', input: { ticks: 30, intervalMs: 10 } });
    const auth = { authorization: `Bearer ${acmeKey}` };
    const all: AnyHoldfastEvent[] = [];
    let last = '0';
    for (let round = 0; round < 50; round++) {
      const client = openSse(`${url}/v1/jobs/${id}/events`, { ...auth, 'last-event-id': last });
      const done = await Promise.race([
        client.ended.then(() => true),
        client.until((m) => m.length >= 4).then(() => false),
      ]);
      if (!done) client.drop();
      const got = events(client.messages);
      all.push(...got);
      if (got.length > 0) last = String(got.at(-1)!.seq);
      if (done) break;
    }
    const seqs = all.map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.at(-1)!.type).toBe('job:succeeded');
  });

  it('follows everything a tenant may see on /v1/events, filtered by type and pipeline', async () => {
    const auth = { authorization: `Bearer ${globexKey}` };
    const stream = openSse(`${url}/v1/events?types=job:*&pipeline=echo`, auth);
    await stream.response;
    const mine = await submit(globexKey, { pipeline: 'echo', input: { n: 2 } });
    const theirs = await submit(acmeKey, { pipeline: 'echo', input: { n: 3 } });
    const other = await submit(globexKey, { pipeline: 'ticker', input: { ticks: 1, intervalMs: 0 } });
    await stream.until((m) => events(m).some((e) => e.jobId === mine && e.type === 'job:succeeded'));
    await waitFor(async () => (await t.hf.jobs.get(theirs)).state === 'succeeded');
    await waitFor(async () => (await t.hf.jobs.get(other)).state === 'succeeded');
    stream.drop();
    const got = events(stream.messages);
    expect(got.every((e) => e.tenant === 'globex')).toBe(true);
    expect(got.every((e) => e.type.startsWith('job:'))).toBe(true);
    expect(got.some((e) => e.jobId === other)).toBe(false);
    expect(got.map((e) => e.type)).toEqual(
      expect.arrayContaining(['job:queued', 'job:started', 'job:succeeded']),
    );
    expect(stream.messages.every((m) => m.id === String(JSON.parse(m.data).id))).toBe(true);
  });

  it('speaks WebSocket: job and filter subscriptions, in order, ending with the job', async () => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, {
      headers: { authorization: `Bearer ${acmeKey}` },
    });
    const messages: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'subscribe', id: 'all', types: ['job:succeeded'] }));
    await waitFor(() => messages.some((m) => m.type === 'subscribed' && m.id === 'all'));
    const id = await submit(acmeKey, { pipeline: 'ticker', input: { ticks: 10, intervalMs: 10 } });
    socket.send(JSON.stringify({ type: 'subscribe', id: 'job', jobId: id.slice(0, 30), after: 0 }));
    await waitFor(() => messages.some((m) => m.type === 'end' && m.subscription === 'job'), 20_000);
    const jobEvents = messages
      .filter((m) => m.type === 'event' && m.subscription === 'job')
      .map((m) => m.event as AnyHoldfastEvent);
    expect(jobEvents.map((e) => e.seq)).toEqual(Array.from({ length: jobEvents.length }, (_, i) => i + 1));
    expect(jobEvents.at(-1)!.type).toBe('job:succeeded');
    await waitFor(() =>
      messages.some((m) => m.subscription === 'all' && (m.event as AnyHoldfastEvent).jobId === id),
    );
    socket.send('not json');
    socket.send(
      JSON.stringify({ type: 'subscribe', id: 'x', jobId: '00000000-0000-7000-8000-000000000000' }),
    );
    await waitFor(() => messages.filter((m) => m.type === 'error').length >= 2);
    const errors = messages.filter((m) => m.type === 'error').map((m) => (m.error as { code: string }).code);
    expect(errors).toEqual(['VALIDATION_ERROR', 'NOT_FOUND']);
    socket.send(JSON.stringify({ type: 'ping' }));
    await waitFor(() => messages.some((m) => m.type === 'pong'));
    socket.send(JSON.stringify({ type: 'unsubscribe', id: 'all' }));
    await waitFor(() => messages.some((m) => m.type === 'unsubscribed' && m.id === 'all'));
    // A second filter, still subscribed, tells when the next job's end has been delivered.
    socket.send(JSON.stringify({ type: 'subscribe', id: 'later', types: ['job:succeeded'] }));
    await waitFor(() => messages.some((m) => m.type === 'subscribed' && m.id === 'later'));
    const after = await submit(acmeKey, { pipeline: 'echo', input: { n: 1 } });
    const about = (m: Record<string, unknown>) => (m.event as AnyHoldfastEvent | undefined)?.jobId === after;
    await waitFor(() => messages.some((m) => m.subscription === 'later' && about(m)));
    expect(messages.filter((m) => m.subscription === 'all' && about(m))).toEqual([]);
    socket.close();
  });

  it('refuses a WebSocket without a valid key before upgrading', async () => {
    for (const headers of [{}, { authorization: 'Bearer hf_nope_nopenopenopenopenope' }]) {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, { headers });
      const status = await new Promise<number>((resolve) => {
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => resolve(101));
      });
      expect(status).toBe(401);
    }
  });

  it('lets a job token follow its job over SSE with ?access_token, and nothing else', async () => {
    const id = await submit(acmeKey, { pipeline: 'echo', input: { n: 7 } });
    const res = await fetch(`${url}/v1/jobs/${id}/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${acmeKey}` },
    });
    const { events: path, token } = (await res.json()) as { events: string; token: string };
    const stream = openSse(`${url}${path}`);
    await stream.ended;
    expect(events(stream.messages).at(-1)!.type).toBe('job:succeeded');
    const global = await fetch(`${url}/v1/events?access_token=${token}`);
    expect(global.status).toBe(403);
  });
});

describe('heartbeats and shutdown of live streams', () => {
  let t: TestServer;
  let server: HoldfastServer;
  let url = '';

  beforeAll(async () => {
    t = await testServer('memory://', { workers: false });
    server = await createServer(t.hf, { port: 0, heartbeat: '50ms' });
    url = await server.listen();
  });

  afterAll(async () => {
    await server.close();
  });

  it('sends a comment heartbeat while idle, and a closing event to every stream when the server shuts down', async () => {
    const id = (await t.hf.submit('echo', { n: 1 })).id; // no worker: it stays queued
    const auth = { authorization: `Bearer ${t.adminKey}` };
    const job = openSse(`${url}/v1/jobs/${id}/events`, auth);
    const all = openSse(`${url}/v1/events`, auth);
    const socket = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`, { headers: auth });
    const wsMessages: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => wsMessages.push(JSON.parse(String(data))));
    const wsClosed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    await job.until((m) => m.length >= 1);
    await waitFor(() => job.comments.filter((c) => c.startsWith('heartbeat')).length >= 2, 5000);
    await waitFor(() => all.comments.some((c) => c.startsWith('heartbeat')), 5000);
    server.beginShutdown();
    await job.ended;
    await all.ended;
    expect(job.messages.at(-1)!.event).toBe('closing');
    expect(all.messages.at(-1)!.event).toBe('closing');
    expect(await wsClosed).toBe(1001);
    expect(wsMessages.at(-1)).toMatchObject({ type: 'closing' });
    // New connections are refused at once.
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
