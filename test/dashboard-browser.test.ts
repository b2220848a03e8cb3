import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator/simulator.js';
import { launchChromium, openPage, type WatchedPage } from './support/browser.js';
import { type CliRun, runCli } from './support/cli.js';
import { createTestDatabase, postgresReachable, type TestDatabase } from './support/postgres.js';
import { openSse } from './support/sse-client.js';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * `holdfast start` process on a test database, with the simulator as provider. Every step waits
 * for what it expects to see; nothing sleeps.
 */

/** What the functions run inside the page use of it (this project's type-check has no DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<{ textContent: string | null }> & { length: number };
  documentElement: { lang: string };
  cookie: string;
};
declare const window: Record<string, unknown>;

const root = new URL('..', import.meta.url).pathname;
const shots = join(root, 'test-results', 'dashboard');
const fixture = join(root, 'test', 'fixtures', 'dashboard-config.ts');
const adminKey = 'dashboard-admin-key-0123456789abcdef';
const sizes = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const slow = 120_000;

type Lang = 'en' | 'fr';
interface Formatters {
  num(n: number): string;
  amount(meter: string, n: number): string;
}
let formatters: (locale: string) => Formatters;
let catalogues: Record<Lang, unknown>;

let cli: CliRun;
let url = '';
let signInLink = '';
let browser: Browser;
let database: TestDatabase | undefined;
let dataDir: string | undefined;
let sim: Awaited<ReturnType<typeof startSimulator>>;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  // The page under test is the production bundle, as `npm start` serves it.
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--web', '--if-needed'], {
    stdio: 'pipe',
  });
  // Loaded by URL: the dashboard's sources are compiled for the browser, not type-checked here.
  formatters = (await import(pathToFileURL(join(root, 'web/src/i18n/format.ts')).href)).formatters;
  catalogues = {
    en: (await import(pathToFileURL(join(root, 'web/src/i18n/en.ts')).href)).en,
    fr: (await import(pathToFileURL(join(root, 'web/src/i18n/fr.ts')).href)).fr,
  };
  // Each embedding takes a quarter of a second: a job's progress is seen moving.
  sim = await startSimulator({ faults: 'openai/embeddings:latency=250ms' });
  if (await postgresReachable()) database = await createTestDatabase('dash');
  else dataDir = await mkdtemp(join(tmpdir(), 'holdfast-dashboard-'));
  cli = runCli(
    ['start', '--config', fixture, '--database', database?.url ?? join(dataDir!, '.holdfast'), '--port', '0'],
    { HOLDFAST_ADMIN_KEY: adminKey, HOLDFAST_TEST_SIM_URL: sim.url },
  );
  const out = await cli.waitFor(/Stop {8}Ctrl\+C/, 90_000);
  url = /API {9}(http:\/\/\S+)\/v1/.exec(out)![1]!;
  expect(out).toContain(`Dashboard   ${url}/\n`);
  signInLink = /Sign in {5}(http:\/\/\S+)/.exec(out)![1]!;
  browser = await launchChromium();
  mkdirSync(shots, { recursive: true });
}, 180_000);

afterAll(async () => {
  for (const p of opened) await p.context.close().catch(() => {});
  await browser?.close().catch(() => {});
  if (cli && cli.child.exitCode === null) {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  await sim?.close().catch(() => {});
  await database?.drop().catch(() => {});
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** The API with the admin key, as a script would call it. */
async function api<T = Record<string, unknown>>(
  path: string,
  init: { method?: string; body?: unknown; lang?: Lang } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${adminKey}`,
      'accept-language': init.lang ?? 'en',
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

async function submit(
  pipeline: string,
  input: unknown,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await api<{ id: string }>('/v1/jobs', { method: 'POST', body: { pipeline, input, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

/** Waits for a job to end, on its own event stream (which the server ends after the last event). */
async function finished(id: string): Promise<string> {
  const stream = openSse(`${url}/v1/jobs/${id}/events`, { authorization: `Bearer ${adminKey}` });
  await stream.ended;
  return (await api<{ state: string }>(`/v1/jobs/${id}`)).body.state;
}

async function browse(
  lang: Lang = 'en',
  size: { width: number; height: number } = sizes[0],
): Promise<WatchedPage> {
  const watched = await openPage(browser, { lang, ...size });
  opened.push(watched);
  return watched;
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${url}/jobs`);
  await page.locator('#key').fill(adminKey);
  await page.locator('form button[type=submit]').click();
  await page.getByTestId('who').waitFor();
}

async function screenshot(page: Page, name: string, lang: Lang, size: { width: number; height: number }) {
  await page.screenshot({
    path: join(shots, `${name}-${lang}-${size.width}x${size.height}.png`),
    fullPage: true,
  });
}

/** English texts of the dashboard that its French catalogue words differently. */
function englishOnly(): string[] {
  const out: string[] = [];
  const walk = (en: unknown, fr: unknown) => {
    if (typeof en === 'string') {
      if (en !== fr && /[a-z]{3}/i.test(en)) out.push(en);
    } else if (en && typeof en === 'object') {
      for (const [k, v] of Object.entries(en)) walk(v, (fr as Record<string, unknown>)[k]);
    }
  };
  walk(catalogues.en, catalogues.fr);
  return out;
}

async function expectNoEnglish(page: Page, where: string) {
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
  const text = await page.locator('body').innerText();
  const left = englishOnly().filter((en) =>
    new RegExp(`(^|[^\\p{L}])${en.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\p{L}]|$)`, 'u').test(text),
  );
  expect(left, `English text on the French ${where} page`).toEqual([]);
}

/** The one refusal the tests provoke on purpose: Chromium logs every non-2xx fetch on its console. */
const refusedRetry = /status of 429 .*\/retry\)$/;
const consoleErrors = (w: WatchedPage) => w.errors.filter((e) => !refusedRetry.test(e));

describe('the dashboard in a browser', () => {
  it(
    'signs in with the one-time link from `holdfast start` once, into an httpOnly SameSite=Strict cookie',
    async () => {
      const first = await browse();
      await first.page.goto(signInLink);
      await first.page.waitForURL(`${url}/jobs`);
      await expect(first.page.getByTestId('who').innerText()).resolves.toBe('Admin');
      // The token left the address bar at once.
      expect(first.page.url()).not.toContain('hfl_');
      const cookie = (await first.context.cookies()).find((c) => c.name === 'holdfast_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
      expect(await first.page.evaluate(() => document.cookie)).not.toContain('holdfast_session');

      const second = await browse('fr');
      await second.page.goto(signInLink);
      const panel = second.page.getByTestId('error-panel');
      await panel.waitFor();
      await expect(panel.getByTestId('error-code').innerText()).resolves.toBe('SIGN_IN_LINK_INVALID');
      await expect(panel.getByTestId('error-message').innerText()).resolves.toMatch(/déjà servi/);
      expect((await second.context.cookies()).some((c) => c.name === 'holdfast_session')).toBe(false);
      expect(consoleErrors(first)).toEqual([]);
      // Chromium logs the 401 of the refused link; nothing else.
      expect(second.errors.filter((e) => !/status of 401 .*\/v1\/session\/link\)$/.test(e))).toEqual([]);
    },
    slow,
  );

  it(
    'submits a job from the form after reading its estimate, then watches its steps progress without a reload',
    async () => {
      const w = await browse();
      const { page } = w;
      await signIn(page);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
      await page.getByTestId('pipeline').selectOption('analyze');

      // The form comes from the input schema, and checks it as the server would.
      const title = page.locator('#field-title');
      await title.fill('ab');
      await title.blur();
      await expect(page.getByTestId('error-title').innerText()).resolves.toBe('At least 3 characters.');
      await title.fill('Tender 42');
      await page.locator('#field-pages').fill('5');

      const expected = await api<{ meters: Array<{ meter: string; estimate: number; balance: number }> }>(
        '/v1/jobs/estimate',
        { method: 'POST', body: { pipeline: 'analyze', input: { title: 'Tender 42', pages: 5 } } },
      );
      const meter = expected.body.meters.find((m) => m.meter === 'openai:tokens')!;
      const f = formatters('en-US');
      const row = page.getByTestId('estimate-openai:tokens');
      await row.waitFor();
      await expect(row.getByTestId('estimate-amount').innerText()).resolves.toBe(f.num(meter.estimate));
      await expect(row.locator('td').nth(1).innerText()).resolves.toBe(f.num(meter.balance));
      await expect(page.getByTestId('estimate-verdict').innerText()).resolves.toContain(
        'The budgets cover this job.',
      );

      await page.evaluate(() => {
        window.stillHere = true;
      });
      await page.getByTestId('submit-job').click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      expect((await api<{ pipeline: string }>(`/v1/jobs/${id}`)).body.pipeline).toBe('analyze');

      // "3/10 chunks", then more, then all ten and the job done: pushed by the server, no reload.
      const progress = (min: number) =>
        page.waitForFunction(
          (least) => {
            const text =
              document.querySelector('[data-testid=progress-embed] .progress-text')?.textContent ?? '';
            const m = /^(\d+)\/(\d+) chunks$/.exec(text);
            return m && Number(m[1]) >= least && Number(m[1]) < Number(m[2]) ? Number(m[1]) : false;
          },
          min,
          { timeout: 60_000 },
        );
      const seen = Number(await (await progress(1)).jsonValue());
      await expect(page.getByTestId('step-embed').getAttribute('data-state')).resolves.toBe('running');
      await progress(seen + 1);
      await page.locator('[data-testid=job-page][data-state=succeeded]').waitFor({ timeout: 60_000 });
      await expect(page.getByTestId('progress-embed').innerText()).resolves.toContain('10/10 chunks');
      for (const step of ['extract', 'embed', 'summarize']) {
        await expect(page.getByTestId(`step-${step}`).getAttribute('data-state')).resolves.toBe('succeeded');
      }
      await page.getByTestId('spend').waitFor();
      expect(await page.getByTestId('calls').locator('tbody tr').count()).toBeGreaterThanOrEqual(11);
      expect(await page.evaluate(() => window.stillHere)).toBe(true);
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it(
    'shows a failed job’s recommendations, and in French once switched to French',
    async () => {
      const id = await submit('report', { subject: 'Q3' }, { tenant: 'acme' });
      expect(await finished(id)).toBe('failed');
      const en = (await api<{ error: { code: string; recommendations: string[] } }>(`/v1/jobs/${id}`)).body
        .error;
      const fr = (await api<{ error: { recommendations: string[] } }>(`/v1/jobs/${id}`, { lang: 'fr' })).body
        .error;
      expect(fr.recommendations).not.toEqual(en.recommendations);

      const w = await browse();
      const { page } = w;
      await signIn(page);
      await page.goto(`${url}/jobs/${id}`);
      const panel = page.getByTestId('error-panel');
      await expect(panel.getByTestId('error-code').innerText()).resolves.toBe(en.code);
      await expect(panel.getByTestId('recommendations').locator('li').allInnerTexts()).resolves.toEqual(
        en.recommendations,
      );
      await page.getByTestId('language').selectOption('fr');
      await page.waitForFunction(
        (expected) =>
          [...document.querySelectorAll('[data-testid=recommendations] li')]
            .map((li) => li.textContent)
            .join('\n') === expected,
        fr.recommendations.join('\n'),
      );
      await expect(page.getByRole('heading', { name: 'Pourquoi il s’est arrêté' }).isVisible()).resolves.toBe(
        true,
      );
      await expectNoEnglish(page, 'job');
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it(
    'shows the token error alert with exactly the figures POST /v1/jobs/:id/retry answered, and lets the admin force it',
    async () => {
      const id = await submit('report', { subject: 'Q4' });
      expect(await finished(id)).toBe('failed');
      // Another job, due in an hour, holds 900 of the day's 1,000 credits: the remaining step does not fit.
      await submit('hold', { credits: 900 }, { runAt: Date.now() + 3_600_000 });

      const w = await browse();
      const { page } = w;
      await signIn(page);
      await page.goto(`${url}/jobs/${id}`);
      await page.getByTestId('steps').waitFor();
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/v1/jobs/${id}/retry`)),
        page.getByTestId('retry').click(),
      ]);
      expect(answer.status()).toBe(429);
      const headers = answer.headers();
      const body = (await answer.json()) as {
        error: { code: string; details: { resetAt: string }; recommendations: string[] };
      };
      expect(body.error.code).toBe('QUOTA_EXCEEDED');
      const alert = page.getByTestId('token-alert');
      await alert.waitFor();
      const f = formatters('en-US');
      for (const [testId, header] of [
        ['token-balance', 'x-token-balance'],
        ['token-required', 'x-token-required'],
        ['token-deficit', 'x-token-deficit'],
      ] as const) {
        const badge = alert.getByTestId(testId);
        await expect(badge.getAttribute('data-value')).resolves.toBe(headers[header]);
        await expect(badge.innerText()).resolves.toBe(f.num(Number(headers[header])));
      }
      await expect(alert.getByTestId('token-reset').getAttribute('data-value')).resolves.toBe(
        body.error.details.resetAt,
      );
      // The countdown to the reset agrees with Retry-After (both count down to the same instant).
      const countdown = await alert.getByTestId('token-countdown').getAttribute('datetime');
      expect(Date.parse(countdown!)).toBe(Date.parse(body.error.details.resetAt));
      expect(Number(headers['retry-after'])).toBeGreaterThan(0);
      await expect(alert.getByTestId('token-recommendations').locator('li').allInnerTexts()).resolves.toEqual(
        body.error.recommendations,
      );
      // The admin may force it: the retry is accepted, and the page follows the new attempt live.
      const [forced] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`/v1/jobs/${id}/retry`)),
        alert.getByRole('button', { name: 'Force the retry' }).click(),
      ]);
      expect(forced.status()).toBe(202);
      await alert.waitFor({ state: 'detached' });
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid=attempts] li').length === 2,
        null,
        {
          timeout: 60_000,
        },
      );
      expect(await finished(id)).toBe('failed');
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it(
    'cancels a running job',
    async () => {
      const id = await submit('slow', { pages: 600 });
      const w = await browse();
      const { page } = w;
      await signIn(page);
      await page.goto(`${url}/jobs/${id}`);
      await page.locator('[data-testid=job-page][data-state=running]').waitFor({ timeout: 60_000 });
      await page.getByTestId('progress-work').waitFor({ timeout: 60_000 });
      await page.getByTestId('cancel').click();
      await page.getByTestId('confirm-cancel').click();
      await page.locator('[data-testid=job-page][data-state=cancelled]').waitFor({ timeout: 60_000 });
      expect(await finished(id)).toBe('cancelled');
      const done = Number(/^(\d+)\//.exec(await page.getByTestId('progress-work').innerText())![1]);
      expect(done).toBeLessThan(600);
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it(
    'shows on the quotas page the same numbers as GET /v1/quotas',
    async () => {
      // Nothing runs now (the hold is due in an hour): the numbers stand still while compared.
      const running = await api<{ jobs: unknown[] }>('/v1/jobs?state=running');
      expect(running.body.jobs).toEqual([]);
      // The day's tokens budget brought down to 85 % used: past the warning threshold.
      const tokens = (
        await api<{ accounts: Array<{ scope: string; meter: string; used: number }> }>('/v1/quotas')
      ).body.accounts.find((a) => a.scope === 'global' && a.meter === 'openai:tokens')!;
      expect(tokens.used).toBeGreaterThan(0);
      const lowered = await api('/v1/quotas/limit', {
        method: 'POST',
        body: { scope: 'global', meter: 'openai:tokens', limit: Math.ceil(tokens.used / 0.85) },
      });
      expect(lowered.status).toBe(200);
      const { accounts } = (
        await api<{
          accounts: Array<{
            scope: string;
            meter: string;
            period: string;
            used: number;
            reserved: number;
            limit: number;
            remaining: number;
            percent: number;
          }>;
        }>('/v1/quotas')
      ).body;
      expect(accounts.length).toBeGreaterThanOrEqual(3);
      const w = await browse();
      const { page } = w;
      await signIn(page);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quotas' }).click();
      const f = formatters('en-US');
      for (const a of accounts) {
        const gauge = page.getByTestId(`account-${a.scope}-${a.meter}-${a.period}`);
        await gauge.waitFor();
        for (const [testId, value] of [
          ['used', a.used],
          ['held', a.reserved],
          ['limit', a.limit],
          ['remaining', a.remaining],
        ] as const) {
          await expect(gauge.getByTestId(testId).getAttribute('data-value')).resolves.toBe(String(value));
          await expect(gauge.getByTestId(testId).innerText()).resolves.toBe(f.amount(a.meter, value));
        }
        await expect(gauge.getByTestId('percent').getAttribute('data-value')).resolves.toBe(
          String(a.percent),
        );
      }
      // Past 80 %, in the warning colour; the credits, only held, not yet.
      await expect(
        page.getByTestId('account-global-openai:tokens-day').getAttribute('class'),
      ).resolves.toContain('gauge-warn');
      await expect(page.getByTestId('account-global-credits-day').getAttribute('class')).resolves.toContain(
        'gauge-ok',
      );
      const usage = (await api<{ providers: Array<{ provider: string; calls: number }> }>('/v1/usage?days=7'))
        .body;
      const table = page.getByTestId('usage-table');
      for (const p of usage.providers) {
        await expect(
          table
            .getByRole('row', { name: new RegExp(`^${p.provider}\\b`) })
            .locator('td')
            .nth(1)
            .innerText(),
        ).resolves.toBe(f.num(p.calls));
      }
      await page.getByTestId('usage-chart').locator('canvas').waitFor();
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it(
    'is usable with the keyboard alone: skip link, sign-in, navigation, filters',
    async () => {
      const w = await browse();
      const { page } = w;
      await page.goto(`${url}/jobs`);
      await page.locator('#key').waitFor();
      const focused = () =>
        page.evaluate(() => {
          const el = (
            document as unknown as { activeElement: { id: string; textContent: string | null } | null }
          ).activeElement;
          return { id: el?.id ?? '', text: el?.textContent?.trim() ?? '' };
        });
      /** Presses Tab until `match` holds for the focused element (at most 40 times: the focus wraps round). */
      const tabTo = async (match: (el: { id: string; text: string }) => boolean) => {
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab');
          if (match(await focused())) return;
        }
        throw new Error('Tab never reached the element');
      };
      await page.keyboard.press('Tab');
      expect((await focused()).text).toBe('Skip to content');
      await tabTo((el) => el.id === 'key');
      await page.keyboard.type(adminKey);
      await page.keyboard.press('Enter');
      await page.getByTestId('who').waitFor();
      await tabTo((el) => el.text === 'Quotas');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${url}/quotas`);
      // The new page's content takes the focus, so the next Tab goes into it, not back to the top.
      await page.waitForFunction(
        () => (document as unknown as { activeElement: { id: string } | null }).activeElement?.id === 'main',
      );
      await page.goto(`${url}/jobs`);
      await page.getByTestId('count-failed').waitFor();
      await tabTo((el) => el.text.startsWith('Failed'));
      await page.keyboard.press('Enter');
      await page.waitForURL(`${url}/jobs?state=failed`);
      const failed = (await api<{ jobs: unknown[] }>('/v1/jobs?state=failed')).body.jobs.length;
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid^=job-row-][data-state=failed]').length === n,
        failed,
      );
      expect(await page.locator('[data-testid^=job-row-]:not([data-state=failed])').count()).toBe(0);
      expect(consoleErrors(w)).toEqual([]);
    },
    slow,
  );

  it('shows every page in English and French at 1280×800 and 390×844 without console errors (screenshots in test-results/dashboard)', async () => {
    const jobs = (
      await api<{ jobs: Array<{ id: string; pipeline: string; state: string }> }>('/v1/jobs?limit=200')
    ).body.jobs;
    const analyzed = jobs.find((j) => j.pipeline === 'analyze' && j.state === 'succeeded')!;
    const failed = jobs.find((j) => j.pipeline === 'report' && j.state === 'failed')!;
    for (const lang of ['en', 'fr'] as const) {
      for (const size of sizes) {
        const w = await browse(lang, size);
        const { page } = w;
        await page.goto(`${url}/jobs`);
        await page.locator('#key').waitFor();
        await screenshot(page, 'sign-in', lang, size);
        if (lang === 'fr') await expectNoEnglish(page, 'sign-in');
        await signIn(page);

        const visit = async (name: string, path: string, ready: () => Promise<unknown>) => {
          await page.goto(`${url}${path}`);
          await ready();
          await screenshot(page, name, lang, size);
          if (lang === 'fr') await expectNoEnglish(page, name);
        };
        await visit('jobs', '/jobs', () => page.getByTestId(`job-row-${analyzed.id}`).waitFor());
        await visit('job', `/jobs/${analyzed.id}`, () => page.getByTestId('calls').waitFor());
        await visit('job-failed', `/jobs/${failed.id}`, () => page.getByTestId('error-panel').waitFor());
        await visit('token-alert', `/jobs/${failed.id}`, async () => {
          await page.getByTestId('retry').click();
          await page.getByTestId('token-alert').waitFor();
        });
        await visit('new-job', '/new?pipeline=analyze', async () => {
          await page.locator('#field-title').fill('Tender 7');
          await page.locator('#field-pages').fill('3');
          await page.getByTestId('estimate-openai:tokens').waitFor();
        });
        await visit('quotas', '/quotas', () => page.getByTestId('usage-chart').locator('canvas').waitFor());
        await visit('providers', '/providers', () => page.getByTestId('provider-openai').waitFor());
        expect(consoleErrors(w), `${lang} ${size.width}×${size.height}`).toEqual([]);
        await w.context.close();
      }
    }
  }, 300_000);
});
