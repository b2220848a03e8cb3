import type { Command } from 'commander';
import type { Job, JobState } from '../../runtime/job.js';
import { type GlobalOptions, print, table, withDatabase } from '../context.js';
import { openOperations } from '../operations.js';

export function registerJobs(program: Command): void {
  const jobs = program.command('jobs').description('List, inspect, retry and cancel jobs.');

  withDatabase(jobs.command('list').description('Jobs, newest first.'))
    .option('-s, --state <state>', 'queued, running, waiting, succeeded, failed or cancelled')
    .option('-p, --pipeline <name>', 'only this pipeline')
    .option('-t, --tenant <tenant>', 'only this tenant')
    .option('-n, --limit <n>', 'at most this many', (v) => Number(v), 20)
    .action(
      async (
        options: GlobalOptions & { state?: JobState; pipeline?: string; tenant?: string; limit: number },
      ) => {
        const ops = await openOperations(options);
        try {
          const page = await ops.jobs.list({
            limit: options.limit,
            state: options.state,
            pipeline: options.pipeline,
            tenant: options.tenant,
          });
          print(options, page, (p) =>
            table(
              p.jobs.map((j) => ({
                id: j.id,
                pipeline: j.pipeline,
                state: j.state,
                attempt: j.attempt,
                error: j.error?.code ?? '',
                created: j.createdAt,
              })),
            ),
          );
        } finally {
          await ops.close();
        }
      },
    );

  withDatabase(
    jobs
      .command('show <id>')
      .description('One job: its steps, its error and what to do about it (a full id or a unique prefix).'),
  ).action(async (id: string, options: GlobalOptions) => {
    const ops = await openOperations(options);
    try {
      print(options, await ops.jobs.get(id), describe);
    } finally {
      await ops.close();
    }
  });

  withDatabase(
    jobs
      .command('retry <id>')
      .description(
        'Run a failed or cancelled job again from its failed step (a full id or a unique prefix).',
      ),
  )
    .option('--force', 'skip the budget pre-check')
    .action(async (id: string, options: GlobalOptions & { force?: boolean }) => {
      const ops = await openOperations(options);
      try {
        print(
          options,
          await ops.jobs.retry(id, { force: options.force ?? false }),
          (j) =>
            `Job ${j.id} is ${j.state} again (attempt ${j.attempt}); a worker will resume it after its last succeeded step.`,
        );
      } finally {
        await ops.close();
      }
    });

  withDatabase(
    jobs
      .command('cancel <id>')
      .description('Cancel a job: its running step is stopped and undone (a full id or a unique prefix).'),
  )
    .option('-r, --reason <text>', 'why, for the record')
    .action(async (id: string, options: GlobalOptions & { reason?: string }) => {
      const ops = await openOperations(options);
      try {
        print(options, await ops.jobs.cancel(id, options.reason ? { reason: options.reason } : {}), (j) =>
          j.state === 'cancelled'
            ? `Job ${j.id} is cancelled.`
            : `Job ${j.id} will stop: its worker is undoing its steps.`,
        );
      } finally {
        await ops.close();
      }
    });
}

function describe(job: Job): string {
  const lines = [
    `${job.pipeline} ${job.id}`,
    `  state ${job.state}, attempt ${job.attempt}/${job.maxAttempts}${job.tenant ? `, tenant ${job.tenant}` : ''}`,
    `  created ${job.createdAt}${job.finishedAt ? `, finished ${job.finishedAt}` : ''}${job.state === 'waiting' ? `, resumes at ${job.runAt} (${job.waitReason})` : ''}`,
  ];
  for (const step of job.steps ?? []) {
    const progress = step.progress
      ? ` ${step.progress.done}/${step.progress.total ?? '?'} ${step.progress.unit ?? ''}`
      : '';
    lines.push(
      `  - ${step.name}: ${step.state}${progress}${step.runs > 1 ? ` (${step.runs} runs)` : ''}${step.error ? ` — ${step.error.code}` : ''}`,
    );
  }
  if (job.error) {
    lines.push(`  error ${job.error.code}: ${job.error.message}`);
    for (const r of job.error.recommendations) lines.push(`    • ${r}`);
  }
  return lines.join('\n');
}
