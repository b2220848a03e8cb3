import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeDocument } from '../src/demo/analyze-document.js';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../src/runtime/holdfast.js';
import { createServer, type HoldfastServer } from '../src/server/create-server.js';
import { type Simulator, startSimulator } from '../src/simulator/index.js';
import { backends } from './support/backends.js';
import { storeOf, waitForState } from './support/holdfast.js';

/** The README's curl examples, run as written against a real server (the demo's pipeline). */

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const block = /<!-- curl-examples:start -->\n```sh\n([\s\S]*?)```\n<!-- curl-examples:end -->/.exec(
  readme,
)?.[1];

/** The commands of the block: lines joined across `\` continuations, comments dropped. */
function commands(text: string): string[] {
  return text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith('curl '));
}

function bash(
  command: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

for (const backend of backends) {
  describe.runIf(backend.available)(`README curl examples (${backend.name})`, () => {
    let sim: Simulator;
    let hf: Holdfast;
    let server: HoldfastServer;
    let env: Record<string, string>;

    beforeAll(async () => {
      sim = await startSimulator({ seed: 4 });
      hf = createHoldfast({
        database: await backend.database(),
        pipelines: [analyzeDocument],
        providers: {
          openai: { kind: 'openai', baseUrl: sim.url, apiKey: 'sk-readme' },
          anthropic: { kind: 'anthropic', baseUrl: sim.url, apiKey: 'sk-ant-readme' },
        },
        budgets: { accounts: [{ meter: 'openai:tokens', period: 'day', limit: 10_000 }] },
        worker: { poll: '50ms' },
      });
      await hf.ready();
      await (await storeOf(hf)).query(
        'create table if not exists demo_embeddings (job_id uuid not null, chunk int not null, vector jsonb not null)',
      );
      await hf.start();
      server = await createServer(hf, { port: 0 });
      const admin = await server.context.keys.ensureAdmin({});
      env = { HOLDFAST_URL: await server.listen(), HOLDFAST_KEY: admin.key! };
    });

    afterAll(async () => {
      await server?.close();
      await hf?.close();
      await sim?.close();
    });

    it('submits, follows with SSE, and shows a retry refused with its headers', async () => {
      expect(block, 'the README has its curl examples block').toBeDefined();
      const [submit, follow, retry] = commands(block!);
      expect([submit, follow, retry].every(Boolean)).toBe(true);

      const submitted = await bash(submit!, env);
      expect(submitted.code).toBe(0);
      const job = JSON.parse(submitted.stdout) as { id: string; state: string; links: { events: string } };
      expect(job.state).toBe('queued');
      expect(job.links.events).toBe(`/v1/jobs/${job.id}/events`);
      // Sent again, the same Idempotency-Key gives the same job back.
      expect(JSON.parse((await bash(submit!, env)).stdout).id).toBe(job.id);

      const followed = await bash(follow!, { ...env, JOB: job.id });
      expect(followed.code).toBe(0); // curl returns because the stream ended after the last event
      expect(followed.stdout).toMatch(/^id: 1\nevent: job:queued\n/m);
      expect(followed.stdout).toContain('event: step:progress');
      expect(followed.stdout.trimEnd()).toMatch(/event: job:succeeded\ndata: .+$/);

      // A cancelled job, and a budget that another job holds most of: its retry does not fit.
      const cancelled = (
        await hf.submit(
          analyzeDocument,
          { title: 'Tender 43', pages: 6 },
          { tenant: 'acme', runAt: Date.now() + 3_600_000 },
        )
      ).id;
      await hf.jobs.cancel(cancelled);
      await waitForState(hf, cancelled, 'cancelled');
      await hf.submit(
        analyzeDocument,
        { title: 'Tender 44', pages: 20 },
        { tenant: 'acme', runAt: Date.now() + 3_600_000 },
      );
      await hf.budgets.setLimit({ scope: 'global', meter: 'openai:tokens', limit: 9000 });
      const refused = await bash(retry!, { ...env, JOB: cancelled });
      expect(refused.code).toBe(0);
      expect(refused.stdout).toMatch(/^HTTP\/1\.1 429 Too Many Requests/);
      for (const header of ['x-token-balance', 'x-token-required', 'x-token-deficit', 'retry-after']) {
        expect(refused.stdout.toLowerCase()).toMatch(new RegExp(`^${header}: \\d+\\r?$`, 'm'));
      }
      expect(refused.stdout).toContain('"code":"QUOTA_EXCEEDED"');
      expect(refused.stdout).toMatch(/^x-token-required: 2160\r?$/m);

      // The calls the job made show in health (breakers, recent latency) and in the metrics.
      const health = (await (await fetch(`${env.HOLDFAST_URL}/health`)).json()) as {
        providers: Array<{ name: string; breaker: string; latency: { calls: number; p50Ms: number | null } }>;
      };
      const openai = health.providers.find((p) => p.name === 'openai')!;
      expect(openai.breaker).toBe('closed');
      expect(openai.latency.calls).toBeGreaterThan(0);
      expect(openai.latency.p50Ms).toBeGreaterThanOrEqual(0);
      const metrics = await (
        await fetch(`${env.HOLDFAST_URL}/metrics`, {
          headers: { authorization: `Bearer ${env.HOLDFAST_KEY}` },
        })
      ).text();
      expect(metrics).toMatch(
        /^holdfast_provider_calls_total\{provider="openai",outcome="ok",code=""\} \d+/m,
      );
      expect(metrics).toContain(
        'holdfast_provider_call_duration_seconds_bucket{le="0.005",provider="openai",outcome="ok"}',
      );
      expect(metrics).toContain('holdfast_provider_breaker_state{provider="anthropic",state="closed"} 1');
      expect(metrics).toMatch(
        /^holdfast_budget_held\{scope="global",meter="openai:tokens",period="day"\} 7200$/m,
      );
    }, 120_000);
  });
}
