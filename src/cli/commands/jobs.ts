import type { Command } from 'commander';
import type { Job, JobState } from '../../runtime/job.js';
import { type GlobalOptions, openHoldfast, print, table, withDatabase } from '../context.js';

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
        const hf = await openHoldfast(options);
        try {
          const page = await hf.jobs.list({
            limit: options.limit,
            ...(options.state ? { state: options.state } : {}),
            ...(options.pipeline ? { pipeline: options.pipeline } : {}),
            ...(options.tenant ? { tenant: options.tenant } : {}),
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
          await hf.close();
        }
      },
    );

  withDatabase(
    jobs.command('show <id>').description('One job: its steps, its error and what to do about it.'),
  ).action(async (id: string, options: GlobalOptions) => {
    const hf = await openHoldfast(options);
    try {
      print(options, await hf.jobs.get(id), describe);
    } finally {
      await hf.close();
    }
  });

  withDatabase(
    jobs.command('retry <id>').description('Run a failed or cancelled job again from its failed step.'),
  )
    .option('--force', 'skip the budget pre-check')
    .action(async (id: string, options: GlobalOptions & { force?: boolean }) => {
      const hf = await openHoldfast(options);
      try {
        print(
          options,
          await hf.jobs.retry(id, { force: options.force ?? false }),
          (j) =>
            `Job ${j.id} is ${j.state} again (attempt ${j.attempt}); a worker will resume it after its last succeeded step.`,
        );
      } finally {
        await hf.close();
      }
    });

  withDatabase(
    jobs.command('cancel <id>').description('Cancel a job: its running step is stopped and undone.'),
  )
    .option('-r, --reason <text>', 'why, for the record')
    .action(async (id: string, options: GlobalOptions & { reason?: string }) => {
      const hf = await openHoldfast(options);
      try {
        print(options, await hf.jobs.cancel(id, options.reason ? { reason: options.reason } : {}), (j) =>
          j.state === 'cancelled'
            ? `Job ${j.id} is cancelled.`
            : `Job ${j.id} will stop: its worker is undoing its steps.`,
        );
      } finally {
        await hf.close();
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
