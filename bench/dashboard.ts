/**
 * bench:dashboard — the production bundle's JavaScript, gzipped (target ≤ 250 KB), and how long the
 * jobs page takes to become interactive on loopback (target ≤ 1 s): from navigation to a page
 * showing the job list (fetched, rendered, its live stream open) in a fresh browser context, so
 * nothing comes from the cache. Cold and warm loads both; 100 jobs in the database.
 *
 *   npm run bench:dashboard            (builds dist/web first if it is stale)
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { createServer } from '../src/server/create-server.js';
import { dashboardExtension } from '../src/server/dashboard/dashboard-extension.js';
import { launchChromium } from '../test/support/browser.js';
import { percentile, type Row, report } from './report.js';

const root = new URL('..', import.meta.url).pathname;
const runs = Number(process.env.BENCH_RUNS ?? 15);

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--web', '--if-needed'], {
  stdio: 'inherit',
});
const assets = join(root, 'dist', 'web', 'assets');
const js = readdirSync(assets).filter((f) => f.endsWith('.js'));
const css = readdirSync(assets).filter((f) => f.endsWith('.css'));
const size = (files: string[]) => {
  const raw = files.reduce((s, f) => s + readFileSync(join(assets, f)).length, 0);
  const gzip = files.reduce((s, f) => s + gzipSync(readFileSync(join(assets, f)), { level: 9 }).length, 0);
  return { raw, gzip };
};
const jsSize = size(js);
const cssSize = size(css);

const work = definePipeline({
  name: 'work',
  input: z.object({ n: z.number().int() }),
  steps: ['one', 'two'],
  run: async ({ input, step }) => {
    await step.run('one', async () => input.n);
    return step.run('two', async () => input.n * 2);
  },
});
const hf = createHoldfast({ database: 'memory://', pipelines: [work] });
await hf.ready();
for (let i = 0; i < 100; i++) await hf.submit(work, { n: i }, { tenant: i % 2 ? 'acme' : 'globex' });
await hf.start();
const server = await createServer(hf, { port: 0 }, dashboardExtension());
const admin = await server.context.keys.ensureAdmin({});
const url = await server.listen();
const session = await server.context.sessions.open({ kind: 'admin', keyId: 'admin' });

const browser = await launchChromium();
const times: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] };
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([{ name: 'holdfast_session', value: session.secret, url }]);
    const page = await context.newPage();
    for (const kind of ['cold', 'warm'] as const) {
      const started = performance.now();
      await page.goto(`${url}/jobs`);
      // Interactive: the list is there, the counts are there, and a filter button responds.
      await page.locator('[data-testid^=job-row-]').first().waitFor();
      await page.locator('[data-testid=count-all]').filter({ hasText: /\d/ }).waitFor();
      await page.locator('.count-failed').click({ trial: true });
      times[kind].push(performance.now() - started);
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  await hf.close();
}
void admin;

const stats = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)! };
};
const cold = stats(times.cold);
const warm = stats(times.warm);
const rows: Row[] = [
  {
    measure: 'JavaScript, gzipped (KB)',
    value: Math.round(jsSize.gzip / 102.4) / 10,
    target: '≤ 250',
    files: js.length,
  },
  {
    measure: 'JavaScript, raw (KB)',
    value: Math.round(jsSize.raw / 102.4) / 10,
    target: '',
    files: js.length,
  },
  {
    measure: 'CSS, gzipped (KB)',
    value: Math.round(cssSize.gzip / 102.4) / 10,
    target: '',
    files: css.length,
  },
  {
    measure: 'jobs page interactive, cold p50 (ms)',
    value: Math.round(cold.p50),
    target: '≤ 1,000',
    files: '',
  },
  {
    measure: 'jobs page interactive, cold p95 (ms)',
    value: Math.round(cold.p95),
    target: '≤ 1,000',
    files: '',
  },
  { measure: 'jobs page interactive, cold max (ms)', value: Math.round(cold.max), target: '', files: '' },
  { measure: 'jobs page interactive, warm p50 (ms)', value: Math.round(warm.p50), target: '', files: '' },
];
report('dashboard', rows, {
  runs,
  jobs: 100,
  bundle: { jsGzipBytes: jsSize.gzip, jsBytes: jsSize.raw, cssGzipBytes: cssSize.gzip },
  interactiveMs: { cold, warm },
});
process.exit(0);
