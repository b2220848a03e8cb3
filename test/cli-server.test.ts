import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import { backends } from './support/backends.js';
import { type CliRun, runCli } from './support/cli.js';
import { openSse } from './support/sse-client.js';
import { waitFor } from './support/wait.js';

/** `holdfast start | api | worker` as processes, and the CLI reaching a running server. */

const config = new URL('./fixtures/server-config.ts', import.meta.url).pathname;
const adminKey = 'test-admin-key-0123456789abcdef';
const cleanups: Array<() => Promise<unknown>> = [];
const running: CliRun[] = [];
afterAll(async () => {
  for (const cli of running) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  for (const fn of cleanups.splice(0)) await fn().catch(() => {});
});

const run = async (args: string[], env: Record<string, string> = {}) => {
  const cli = runCli(args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
};

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `holdfast-${label}-`));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a server process and returns it with its URL, once its banner is out. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const cli = runCli(args, { HOLDFAST_ADMIN_KEY: adminKey, ...env });
  running.push(cli);
  const out = await cli.waitFor(/Stop {8}Ctrl\+C/, 60_000);
  const url = /API {9}(http:\/\/\S+)\/v1/.exec(out)![1]!;
  return { cli, url };
}

const auth = (key = adminKey) => ({ authorization: `Bearer ${key}` });

describe('npm start (holdfast start --demo)', () => {
  it('prints the API URL, the docs URL and the admin key, and the inspect commands it prints work while it runs', async () => {
    const dir = await tempDir('demo');
    const database = join(dir, '.holdfast');
    const cli = runCli(['start', '--demo', '--jobs', '1', '--port', '0', '--database', database]);
    running.push(cli);
    const out = await cli.waitFor(/Stop {8}Ctrl\+C/, 60_000);
    const url = /API {9}(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out)![1]!;
    expect(out).toContain(`Docs        ${url}/docs`);
    const key = /Admin key {3}(hf_admin_\S+)/.exec(out)![1]!;
    const docs = await fetch(`${url}/docs`);
    expect(docs.status).toBe(200);
    expect((await fetch(`${url}/v1/jobs`, { headers: auth(key) })).status).toBe(200);

    const inspect = out
      .split('\n')
      .map((line) => /(npx holdfast .+)$/.exec(line)?.[1])
      .filter((line): line is string => line !== undefined);
    expect(inspect.length).toBe(3);
    const shown = /jobs show (\S+)/.exec(inspect.join('\n'))![1]!;
    for (const command of inspect) {
      const args = command.replace(/^npx holdfast /, '').split(' ');
      const result = await run(args);
      expect(result.code, `${command}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toBe('');
      if (args[1] === 'list') expect(result.stdout).toContain(shown);
      if (args[1] === 'show') expect(result.stdout).toContain(`analyze-document ${shown}`);
      if (args[0] === 'quotas') expect(result.stdout).toContain('openai:tokens');
    }
    // A unique prefix of the id it printed works too.
    const prefix = await run(['jobs', 'show', shown.slice(0, 28), '--database', database]);
    expect(prefix.stdout).toContain(shown);

    // The "Try" line is a working curl command.
    const tryLine = /Try {9}(curl .+)$/m.exec(out)![1]!;
    const curl = await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', ['-c', `${tryLine} -s`], { stdio: ['ignore', 'pipe', 'inherit'] });
      let body = '';
      child.stdout.on('data', (d) => {
        body += d;
      });
      child.once('exit', (code) => (code === 0 ? resolve(body) : reject(new Error(`curl exited ${code}`))));
    });
    expect((JSON.parse(curl) as { jobs: Array<{ id: string }> }).jobs.map((j) => j.id)).toContain(shown);

    // Keys and cleanup go through the server too, with its local credential.
    const made = await run([
      'keys',
      'create',
      '--tenant',
      'acme',
      '--name',
      'ci',
      '--database',
      database,
      '--json',
    ]);
    expect(made.code, made.stderr).toBe(0);
    const tenant = JSON.parse(made.stdout) as { key: string; info: { id: string } };
    const mine = await fetch(`${url}/v1/jobs`, { headers: auth(tenant.key) });
    expect(
      ((await mine.json()) as { jobs: Array<{ tenant: string }> }).jobs.every((j) => j.tenant === 'acme'),
    ).toBe(true);
    expect((await run(['keys', 'list', '--database', database])).stdout).toContain(tenant.info.id);
    expect((await run(['keys', 'revoke', tenant.info.id, '--database', database])).code).toBe(0);
    expect((await fetch(`${url}/v1/jobs`, { headers: auth(tenant.key) })).status).toBe(401);
    const cleanup = await run(['cleanup', '--older-than', '30d', '--dry-run', '--database', database]);
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(cleanup.stdout).toContain('Dry run');

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    // Stopped: the same commands open the directory themselves.
    const after = await run(['jobs', 'list', '--database', database]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toContain(shown);
  }, 180_000);
});

describe('holdfast start: listening, keys and shutdown', () => {
  it('reports a busy port as PORT_IN_USE, with what to do, and exits 1', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;
    const result = await run(['api', '--port', String(port), '--database', 'memory://']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`PORT_IN_USE: 127.0.0.1:${port} is already in use`);
    expect(result.stderr).toContain('--port');
    expect(result.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
  }, 60_000);

  it('runs without keys on loopback only, and says so', async () => {
    const refused = await run([
      'api',
      '--no-auth',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--database',
      'memory://',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('CONFIG_INVALID');
    expect(refused.stderr).toContain('loopback');
    const { cli, url } = await serve(['api', '--no-auth', '--port', '0', '--database', 'memory://']);
    expect(cli.stdout()).toContain('authentication is OFF');
    expect((await fetch(`${url}/v1/jobs`)).status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  }, 60_000);

  it('on SIGTERM: streams get a closing event, new connections are refused, running jobs finish within the grace period, exit 0', async () => {
    const dir = await tempDir('term');
    const database = join(dir, 'data');
    const { cli, url } = await serve([
      'start',
      '--config',
      config,
      '--port',
      '0',
      '--grace',
      '60s',
      '--database',
      database,
    ]);
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'ticker', input: { ticks: 40, intervalMs: 50 } }),
    });
    const { id } = (await res.json()) as { id: string };
    const stream = openSse(`${url}/v1/jobs/${id}/events`, auth());
    await stream.until((m) => m.some((e) => e.event === 'step:succeeded'));
    cli.child.kill('SIGTERM');
    await stream.ended;
    expect(stream.messages.at(-1)!.event).toBe('closing');
    await waitFor(async () => {
      try {
        await fetch(`${url}/health/live`);
        return false;
      } catch {
        return true;
      }
    }, 10_000);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('SIGTERM: stopping');
    // The job was running: it got to finish within the grace period.
    const show = await run(['jobs', 'show', id, '--database', database, '--json']);
    expect(JSON.parse(show.stdout).state).toBe('succeeded');
  }, 120_000);

  it('on SIGTERM hands back a job that outlives the grace period, and exits 0', async () => {
    const dir = await tempDir('grace');
    const database = join(dir, 'data');
    const { cli, url } = await serve([
      'start',
      '--config',
      config,
      '--port',
      '0',
      '--grace',
      '500ms',
      '--database',
      database,
    ]);
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'ticker', input: { ticks: 600, intervalMs: 50 } }),
    });
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => {
      const job = (await (await fetch(`${url}/v1/jobs/${id}`, { headers: auth() })).json()) as {
        state: string;
      };
      return job.state === 'running';
    });
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    const show = JSON.parse((await run(['jobs', 'show', id, '--database', database, '--json'])).stdout);
    expect(['queued', 'waiting']).toContain(show.state);
  }, 120_000);

  it('stops at once when idle, without waiting out the grace period', async () => {
    const dir = await tempDir('idle');
    // A grace period far longer than this test may take: only an immediate stop passes.
    const { cli } = await serve([
      'start',
      '--config',
      config,
      '--port',
      '0',
      '--grace',
      '600s',
      '--database',
      join(dir, 'data'),
    ]);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('Stopped.');
  }, 60_000);
});

const postgres = backends.find((b) => b.name === 'postgres')!;

describe.runIf(postgres.available)('holdfast api and holdfast worker processes on one PostgreSQL', () => {
  it('serves from the API process while the worker process runs the jobs', async () => {
    const database = await postgres.database();
    const migrated = await run(['migrate', '--database', database]);
    expect(migrated.code, migrated.stderr).toBe(0);
    const worker = runCli(['worker', '--config', config, '--database', database, '--metrics-port', '0']);
    running.push(worker);
    const banner = await worker.waitFor('Holdfast worker running', 60_000);
    const workerUrl = /Metrics and health at (http:\/\/\S+)\/metrics/.exec(banner)![1]!;
    const { cli, url } = await serve(['api', '--config', config, '--port', '0', '--database', database]);
    expect(cli.stdout()).toContain('none in this process (holdfast api)');
    const res = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ pipeline: 'ticker', input: { ticks: 5, intervalMs: 20 } }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const stream = openSse(`${url}/v1/jobs/${id}/events`, auth());
    await stream.ended;
    const events = stream.messages.map((m) => JSON.parse(m.data) as AnyHoldfastEvent);
    expect(events.at(-1)!.type).toBe('job:succeeded');
    const started = events.find((e) => e.type === 'job:started') as Extract<
      AnyHoldfastEvent,
      { type: 'job:started' }
    >;
    expect(started.payload.workerId).toContain(`:${worker.child.pid}:`);
    const health = (await (await fetch(`${url}/health`)).json()) as { workers: { running: boolean } };
    expect(health.workers.running).toBe(false);
    // Each process counts what it did: the worker ran the job, the API accepted it.
    const scrape = async (base: string) => (await fetch(`${base}/metrics`, { headers: auth() })).text();
    const finished = 'holdfast_jobs_finished_total{pipeline="ticker",state="succeeded"} 1';
    expect(await scrape(workerUrl)).toContain(finished);
    const api = await scrape(url);
    expect(api).not.toContain(finished);
    expect(api).toContain('holdfast_submissions_total{pipeline="ticker",outcome="accepted"} 1');
    expect((await fetch(`${workerUrl}/health/ready`)).status).toBe(200);
    expect((await fetch(`${workerUrl}/v1/jobs`, { headers: auth() })).status).toBe(404);
    for (const p of [cli, worker]) p.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  }, 120_000);
});
