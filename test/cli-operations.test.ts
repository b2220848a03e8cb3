import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonRetriableError } from '../src/errors/holdfast-error.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { bundledMigrations } from '../src/store/migrate.js';
import { runCli } from './support/cli.js';
import { waitForState } from './support/holdfast.js';
import { createTestDatabase, postgresReachable, type TestDatabase } from './support/postgres.js';

/** The operator commands, run as a user runs them: a separate process on a database Holdfast wrote. */

const run = async (args: string[], env: Record<string, string> = {}) => {
  const cli = runCli(args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
};

describe('holdfast --help', () => {
  it('documents every command', async () => {
    const commands = [
      [],
      ['start'],
      ['worker'],
      ['migrate'],
      ['jobs'],
      ['jobs', 'list'],
      ['jobs', 'show'],
      ['jobs', 'retry'],
      ['jobs', 'cancel'],
      ['quotas'],
      ['quotas', 'status'],
      ['quotas', 'reset'],
      ['simulate'],
      ['api'],
      ['keys'],
      ['keys', 'create'],
      ['keys', 'list'],
      ['keys', 'revoke'],
      ['keys', 'rotate-admin'],
      ['cleanup'],
    ];
    // Each is a process of its own, as a user runs it; four at a time, so that twenty TypeScript
    // start-ups do not starve each other on two cores.
    const results: Array<Awaited<ReturnType<typeof run>>> = [];
    for (let i = 0; i < commands.length; i += 4) {
      results.push(...(await Promise.all(commands.slice(i, i + 4).map((c) => run([...c, '--help'])))));
    }
    for (const [i, result] of results.entries()) {
      expect(result.code, commands[i]!.join(' ')).toBe(0);
      expect(result.stdout).toContain(`Usage: holdfast ${commands[i]!.join(' ')}`.trimEnd());
    }
    expect(results[11]!.stdout).toMatch(/--dry-run[\s\S]*--force/);
    expect(results[1]!.stdout).toContain('--demo');
  }, 180_000);
});

const reachable = await postgresReachable();
const target: { database: string; cleanup(): Promise<void> } = { database: '', cleanup: async () => {} };

describe('holdfast migrate, jobs and quotas', () => {
  let sim: Simulator;
  let failedId = '';
  let succeededId = '';

  beforeAll(async () => {
    // PostgreSQL when reachable (CI), else an embedded data directory: both outlive this process.
    if (reachable) {
      const db: TestDatabase = await createTestDatabase('cli');
      target.database = db.url;
      target.cleanup = () => db.drop();
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'holdfast-cli-'));
      target.database = dir;
      target.cleanup = () => rm(dir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await sim?.close();
    await target.cleanup();
  });

  it('creates the schema once, then says it is up to date', async () => {
    const first = await run(['migrate', '--database', target.database]);
    expect(first.code).toBe(0);
    const versions = bundledMigrations().map((m) => m.version);
    const latest = versions.at(-1)!;
    expect(first.stdout).toContain(`Applied ${versions.join(', ')} to `);
    expect(first.stdout).toContain(`; schema at ${latest}.`);
    const again = await run(['migrate', '--database', target.database, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], current: latest });
  });

  it('lists and shows jobs, with the error and what to do about it', async () => {
    sim = await startSimulator({ seed: 9 });
    const hf = createHoldfast({
      database: target.database,
      pipelines: [
        definePipeline({
          name: 'summarise',
          retry: { attempts: 1 },
          run: async ({ step }) =>
            step.run('ask', async (ctx) => {
              const answer = await ctx.call('openai', {
                path: '/v1/chat/completions',
                body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 },
              });
              return answer.usage?.meters['openai:tokens'];
            }),
        }),
        definePipeline({
          name: 'broken',
          retry: { attempts: 1 },
          run: async ({ step }) =>
            step.run('parse', () => {
              throw new NonRetriableError('the document is not a PDF');
            }),
        }),
      ],
      providers: { openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-cli' } },
      budgets: { accounts: [{ meter: 'openai:tokens', period: 'day', limit: 100_000 }] },
      worker: { poll: '50ms' },
    });
    try {
      await hf.start();
      succeededId = (await hf.submit('summarise', {}, { tenant: 'acme' })).id;
      failedId = (await hf.submit('broken', {})).id;
      await waitForState(hf, succeededId, 'succeeded');
      await waitForState(hf, failedId, 'failed');
    } finally {
      await hf.close();
    }

    const list = await run(['jobs', 'list', '--database', target.database, '--json']);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { jobs: Array<{ id: string; state: string }> };
    expect(page.jobs.map((j) => [j.id, j.state]).sort()).toEqual(
      [
        [succeededId, 'succeeded'],
        [failedId, 'failed'],
      ].sort(),
    );
    const failedOnly = await run(['jobs', 'list', '--database', target.database, '--state', 'failed']);
    expect(failedOnly.stdout).toContain(failedId);
    expect(failedOnly.stdout).not.toContain(succeededId);
    expect(failedOnly.stdout).toMatch(/id\s+pipeline\s+state/);

    const show = await run(['jobs', 'show', failedId, '--database', target.database]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`broken ${failedId}`);
    expect(show.stdout).toContain('- parse: failed');
    expect(show.stdout).toContain('the document is not a PDF');

    const missing = await run([
      'jobs',
      'show',
      '00000000-0000-4000-8000-000000000000',
      '--database',
      target.database,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('NOT_FOUND');
  });

  it('shows each account and the usage, and resets a period once unless forced', async () => {
    const status = await run(['quotas', 'status', '--database', target.database, '--json']);
    expect(status.code).toBe(0);
    const charged = sim.requests().ledger.openai!;
    const { accounts, usage } = JSON.parse(status.stdout) as {
      accounts: Array<{ scope: string; meter: string; used: number; limit: number; reserved: number }>;
      usage: { providers: Array<{ provider: string; calls: number }> };
    };
    expect(accounts).toEqual([
      expect.objectContaining({
        scope: 'global',
        meter: 'openai:tokens',
        used: charged.input + charged.output,
        limit: 100_000,
        reserved: 0,
      }),
    ]);
    expect(usage.providers).toEqual([expect.objectContaining({ provider: 'openai', calls: 1 })]);
    const text = await run(['quotas', 'status', '--database', target.database]);
    expect(text.stdout).toMatch(/global\s+openai:tokens\s+day/);
    expect(text.stdout).toContain('Usage, last 7 days');

    const usedNow = async () =>
      (
        JSON.parse((await run(['quotas', 'status', '--database', target.database, '--json'])).stdout) as {
          accounts: Array<{ used: number }>;
        }
      ).accounts[0]!.used;

    const dry = await run(['quotas', 'reset', '--period', 'day', '--dry-run', '--database', target.database]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was changed');
    expect(await usedNow()).toBe(charged.input + charged.output);

    const reset = await run(['quotas', 'reset', '--period', 'day', '--database', target.database]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('Reset 1 account(s)');
    expect(await usedNow()).toBe(0);

    const twice = await run(['quotas', 'reset', '--period', 'day', '--database', target.database]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('CONFLICT');
    expect(twice.stderr).toContain('--force');
    const forced = await run([
      'quotas',
      'reset',
      '--period',
      'day',
      '--force',
      '--database',
      target.database,
    ]);
    expect(forced.code).toBe(0);

    const bad = await run(['quotas', 'reset', '--period', 'week', '--database', target.database]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("must be 'day' or 'month'");
    // Seven CLI processes in a row: on a loaded machine each takes seconds to start.
  }, 120_000);
});

describe('holdfast start --demo', () => {
  it('runs the demo pipelines against the simulator, says where to look, and stops on SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'holdfast-demo-'));
    try {
      const cli = runCli(['start', '--demo', '--jobs', '1', '--port', '0', '--database', join(dir, 'data')]);
      await cli.waitFor('Holdfast demo running', 60_000);
      await cli.waitFor('Stop        Ctrl+C', 60_000);
      expect(cli.stdout()).toMatch(/Simulator {3}http:\/\/127\.0\.0\.1:\d+/);
      expect(cli.stdout()).toMatch(/Admin key {3}hf_admin_/);
      await cli.waitFor(/SUCCEEDED/, 60_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      // The jobs it ran are in the data directory for the other commands.
      const list = await run(['jobs', 'list', '--database', join(dir, 'data'), '--json']);
      const jobs = (JSON.parse(list.stdout) as { jobs: Array<{ state: string }> }).jobs;
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.some((j) => j.state === 'succeeded')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
