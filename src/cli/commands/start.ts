import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { type Demo, startDemo } from '../../demo/run-demo.js';
import { configError } from '../../errors/config-error.js';
import { createHoldfast } from '../../holdfast/create-holdfast.js';
import type { Holdfast } from '../../runtime/holdfast.js';
import { internalsOf } from '../../runtime/internals.js';
import { createServer, type HoldfastServer } from '../../server/create-server.js';
import { defaultBundleDir } from '../../server/dashboard/dashboard-bundle.js';
import { dashboardExtension } from '../../server/dashboard/dashboard-extension.js';
import { databaseOf, type GlobalOptions, loadConfig, withDatabase } from '../context.js';
import { parseIntOption, parseMsOption } from '../options.js';
import { embeddedPath, isEmbeddedDirectory, writeServerLink } from '../server-link.js';
import { untilSignal } from '../signals.js';

interface ServeOptions extends GlobalOptions {
  host?: string;
  port?: number;
  auth: boolean;
  bodyLimit?: number;
  grace?: number;
  demo?: boolean;
  jobs?: number;
  metricsPort?: number;
}

interface Mode {
  readonly api: boolean;
  readonly workers: boolean;
}

export function registerStart(program: Command): void {
  serverOptions(
    withDatabase(
      program
        .command('start')
        .description('Run Holdfast: the HTTP API (with live event streams, health and metrics) and workers.'),
    ),
  )
    .option('--demo', 'run the demo pipelines against the built-in provider simulator')
    .option('--jobs <n>', 'demo: document analyses to submit at start', parseIntOption, 2)
    .action((options: ServeOptions) => serve(options, { api: true, workers: true }));

  serverOptions(
    withDatabase(
      program
        .command('api')
        .description(
          'Run the HTTP API only: no workers (run `holdfast worker` processes beside it on PostgreSQL).',
        ),
    ),
  ).action((options: ServeOptions) => serve(options, { api: true, workers: false }));

  withDatabase(
    program
      .command('worker')
      .description('Run workers only: claim and run jobs of the configured pipelines.'),
  )
    .option(
      '--grace <duration>',
      'on SIGTERM, how long running jobs get to finish (default 10s)',
      parseMsOption,
    )
    .option(
      '--metrics-port <port>',
      'serve /metrics and /health/* (no API) on this port, to probe and scrape this worker',
      parseIntOption,
    )
    .option('--host <host>', 'address for --metrics-port (default 127.0.0.1)')
    .action((options: ServeOptions) => serve(options, { api: false, workers: true }));
}

function serverOptions(command: Command): Command {
  return command
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option(
      '-p, --port <port>',
      'port to listen on (default $HOLDFAST_PORT, else 8080; 0 for any free port)',
      parseIntOption,
    )
    .option('--no-auth', 'accept requests without a key (everyone is the admin): loopback addresses only')
    .option('--body-limit <bytes>', 'largest request body accepted (default 1048576)', parseIntOption)
    .option(
      '--grace <duration>',
      'on SIGTERM, how long running jobs get to finish (default 10s)',
      parseMsOption,
    )
    .addHelpText(
      'after',
      `
Keys: an admin key is made at the first start and shown once (only its hash is kept);
HOLDFAST_ADMIN_KEY sets it instead. Tenant keys: \`holdfast keys create --tenant acme\`.
SIGTERM or Ctrl+C: readiness turns 503, new connections are refused, event streams get a
closing event, running jobs get the grace period, then go back to the queue.`,
    );
}

async function serve(options: ServeOptions, mode: Mode): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const demoMode = options.demo === true;
  const config = demoMode ? undefined : await loadConfig(options);
  const database = demoMode
    ? (options.database ?? process.env.DATABASE_URL ?? '.holdfast')
    : databaseOf(options, config);
  if (!demoMode && mode.workers && (!config || config.pipelines.length === 0)) {
    throw configError('pipelines', [
      'is empty: write a holdfast.config.js (export default defineConfig({ pipelines, providers })), pass it with --config, or try --demo',
      'est vide : écrivez un holdfast.config.js (export default defineConfig({ pipelines, providers })), passez-le avec --config, ou essayez --demo',
    ]);
  }
  const graceMs = options.grace ?? (demoMode ? 5000 : 10_000);

  let demo: Demo | undefined;
  let hf: Holdfast;
  if (demoMode) {
    demo = await startDemo({
      database,
      log: say,
      start: false,
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    });
    hf = demo.hf;
  } else {
    hf = createHoldfast({ ...config, pipelines: config?.pipelines ?? [], database });
    await hf.ready();
  }

  let server: HoldfastServer | undefined;
  let removeLink: (() => void) | undefined;
  try {
    if (mode.api) {
      const embedded = isEmbeddedDirectory(database);
      const localToken = embedded ? randomBytes(32).toString('base64url') : undefined;
      server = await createServer(
        hf,
        {
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(options.port === undefined ? {} : { port: options.port }),
          ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
          auth: options.auth,
          ...(localToken === undefined ? {} : { localToken }),
        },
        dashboardExtension(),
      );
      const admin = options.auth
        ? await server.context.keys.ensureAdmin({
            key: process.env.HOLDFAST_ADMIN_KEY || undefined,
            rotate: demoMode,
          })
        : undefined;
      const url = await server.listen();
      // A newcomer opens this link and lands in the dashboard signed in as the admin: it works
      // once, for 15 minutes, and only its hash is stored.
      const signIn = admin ? await server.context.sessions.createLink() : undefined;
      if (embedded && localToken)
        removeLink = writeServerLink(embeddedPath(database), { url, token: localToken });
      if (demo) await demo.begin();
      else if (mode.workers) await hf.start();
      const where = (await internalsOf(hf).open()).store.description;
      say(
        banner({
          url,
          where,
          concurrency: internalsOf(hf).workerStatus().concurrency,
          database,
          admin,
          signIn,
          demo,
          options,
          mode,
          graceMs,
        }),
      );
    } else {
      let metrics = '';
      if (options.metricsPort !== undefined) {
        server = await createServer(hf, {
          ...(options.host === undefined ? {} : { host: options.host }),
          port: options.metricsPort,
          operationsOnly: true,
        });
        if (process.env.HOLDFAST_ADMIN_KEY)
          await server.context.keys.ensureAdmin({ key: process.env.HOLDFAST_ADMIN_KEY });
        metrics = ` Metrics and health at ${await server.listen()}/metrics (admin key).`;
      }
      await hf.start();
      say(
        `Holdfast worker running on ${(await internalsOf(hf).open()).store.description} for ${config!.pipelines.map((p) => p.name).join(', ')}.${metrics} Ctrl+C or SIGTERM stops it (running jobs get ${graceMs / 1000} s).`,
      );
    }
  } catch (error) {
    removeLink?.();
    await server?.close().catch(() => {});
    await hf.close().catch(() => {});
    await demo?.sim.close().catch(() => {});
    throw error;
  }

  const signal = await untilSignal();
  // A second signal does not wait for the grace period.
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  say(
    `\n${signal}: stopping${mode.workers ? ` (running jobs get ${graceMs / 1000} s, then go back to the queue)` : ''}…`,
  );
  server?.beginShutdown();
  removeLink?.();
  await hf.stop({ graceMs });
  // Connections still busy after the grace period are not waited for.
  await Promise.race([server?.close(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  await hf.close();
  await demo?.sim.close();
  say('Stopped.');
  // Nothing is left to wait for: leave now rather than on the last stray timer.
  process.exit(0);
}

function banner(b: {
  url: string;
  /** Where the data lives (the store's description). */
  where: string;
  /** Jobs this process's workers run at once. */
  concurrency: number;
  database: string;
  admin: { source: 'environment' | 'generated' | 'existing'; key?: string } | undefined;
  signIn: { token: string; expiresAt: number } | undefined;
  demo: Demo | undefined;
  options: ServeOptions;
  mode: Mode;
  graceMs: number;
}): string {
  const db = /\s/.test(b.database) ? JSON.stringify(b.database) : b.database;
  const adminLine =
    b.admin === undefined
      ? 'authentication is OFF (--no-auth): every caller is the admin, so Holdfast listens on loopback only'
      : b.admin.key
        ? `${b.admin.key}  (${b.demo ? 'new for this run; ' : ''}shown once: only its hash is kept)`
        : b.admin.source === 'environment'
          ? 'the one in HOLDFAST_ADMIN_KEY'
          : 'made at the first start and shown then (lost? `holdfast keys rotate-admin`)';
  const lines = [
    '',
    `Holdfast ${b.demo ? 'demo ' : ''}running on ${b.where}`,
    `  API         ${b.url}/v1`,
    `  Docs        ${b.url}/docs   (OpenAPI: ${b.url}/openapi.json)`,
    `  Admin key   ${adminLine}`,
    `  Dashboard   ${b.url}/${defaultBundleDir() === undefined ? '  (not built: run `npm run build`)' : ''}`,
    b.signIn
      ? `  Sign in     ${b.url}/sign-in#${b.signIn.token}  (opens the dashboard signed in as the admin; works once, within ${Math.round((b.signIn.expiresAt - Date.now()) / 60_000)} min; afterwards sign in with a key)`
      : '  Sign in     not needed: authentication is off',
  ];
  if (b.demo) {
    lines.push(`  Simulator   ${b.demo.sim.url}  (faults on: the retries and waits below are real)`);
    const first = b.demo.jobIds[0];
    lines.push(
      `  Inspect     npx holdfast jobs list --database ${db}`,
      ...(first ? [`              npx holdfast jobs show ${first} --database ${db}`] : []),
      `              npx holdfast quotas status --database ${db}`,
    );
    if (b.admin?.key)
      lines.push(`  Try         curl -H "Authorization: Bearer ${b.admin.key}" ${b.url}/v1/jobs`);
  }
  lines.push(
    `  Workers     ${b.mode.workers ? `${b.concurrency} jobs at once` : 'none in this process (holdfast api)'}`,
    `  Stop        Ctrl+C or SIGTERM${b.mode.workers ? ` (running jobs get ${b.graceMs / 1000} s, then go back to the queue)` : ''}`,
    '',
  );
  return lines.join('\n');
}
