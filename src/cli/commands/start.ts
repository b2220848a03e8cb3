import type { Command } from 'commander';
import { startDemo } from '../../demo/run-demo.js';
import { createHoldfast } from '../../runtime/holdfast.js';
import { internalsOf } from '../../runtime/internals.js';
import { databaseOf, type GlobalOptions, loadConfig, withDatabase } from '../context.js';
import { parseIntOption } from '../options.js';
import { untilSignal } from '../signals.js';

export function registerStart(program: Command): void {
  withDatabase(
    program
      .command('start')
      .description(
        'Run Holdfast: workers for the configured pipelines (the HTTP API and dashboard are not part of this build yet).',
      ),
  )
    .option('--demo', 'run the demo pipelines against the built-in provider simulator')
    .option('--jobs <n>', 'demo: document analyses to submit at start', parseIntOption, 2)
    .action(async (options: GlobalOptions & { demo?: boolean; jobs: number }) =>
      run(options, options.demo ?? false),
    );

  withDatabase(
    program
      .command('worker')
      .description('Run workers only: claim and run jobs of the configured pipelines.'),
  ).action(async (options: GlobalOptions) => run(options, false));
}

async function run(options: GlobalOptions & { jobs?: number }, demo: boolean): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (demo) {
    const database = options.database ?? process.env.DATABASE_URL ?? '.holdfast';
    const running = await startDemo({
      database,
      log: say,
      ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    });
    say(
      [
        '',
        `Holdfast demo running on ${(await internalsOf(running.hf).open()).store.description}.`,
        `  Provider simulator   ${running.sim.url}  (faults on: retries and waits below are real)`,
        '  HTTP API, dashboard  not part of this build yet: there is no dashboard URL or admin key to print.',
        `  Inspect              npx holdfast jobs list --database ${database}   ·   npx holdfast quotas status --database ${database}`,
        '  Stop                 Ctrl+C (running jobs get 5 s, then go back to the queue)',
        '',
      ].join('\n'),
    );
    const signal = await untilSignal();
    say(`\n${signal}: stopping…`);
    await running.stop();
    return;
  }
  const config = await loadConfig(options);
  if (!config || config.pipelines.length === 0) {
    throw new Error(
      'No pipelines to run: write a holdfast.config.js (export default defineConfig({ pipelines, providers })) or try --demo',
    );
  }
  const hf = createHoldfast({ ...config, database: databaseOf(options, config) });
  await hf.start();
  say(
    `Holdfast worker running on ${(await internalsOf(hf).open()).store.description} for ${config.pipelines.map((p) => p.name).join(', ')}. Ctrl+C stops it.`,
  );
  const signal = await untilSignal();
  say(`${signal}: stopping (running jobs get 10 s, then go back to the queue)…`);
  await hf.stop({ graceMs: 10_000 });
  await hf.close();
}
