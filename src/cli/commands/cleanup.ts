import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../../time/duration.js';
import { type GlobalOptions, print, table, withDatabase } from '../context.js';
import { openOperations } from '../operations.js';

export function registerCleanup(program: Command): void {
  withDatabase(
    program
      .command('cleanup')
      .description(
        "Remove old history: finished jobs' events and steps, expired idempotency keys, old ledger journal rows.",
      ),
  )
    .requiredOption('--older-than <duration>', "how old, e.g. '30d' or '12h'", (value) => {
      try {
        const ms = parseDuration(value);
        if (!/[a-z]$/i.test(value.trim())) throw new Error('a unit is needed');
        return { text: value.trim(), ms };
      } catch {
        throw new InvalidArgumentError("expected a duration such as '30d', '12h' or '90m'.");
      }
    })
    .option('--dry-run', 'count what would be removed, remove nothing')
    .addHelpText(
      'after',
      `
Works in small transactions, so running jobs are not held up. Jobs keep their row (state,
input, output, error). Failed and cancelled jobs keep their steps: a retry still resumes
from its checkpoints and never pays twice. Account totals and daily usage are not touched.`,
    )
    .action(
      async (options: GlobalOptions & { olderThan: { text: string; ms: number }; dryRun?: boolean }) => {
        const ops = await openOperations(options);
        const progress = process.stderr.isTTY && !options.json;
        try {
          const report = await ops.cleanup({
            olderThan: options.olderThan.text,
            olderThanMs: options.olderThan.ms,
            dryRun: options.dryRun ?? false,
            ...(progress
              ? {
                  onProgress: (r) =>
                    process.stderr.write(
                      `\r  ${r.jobs} jobs, ${r.events} events, ${r.steps} steps removed so far…`,
                    ),
                }
              : {}),
          });
          if (progress) process.stderr.write('\n');
          print(options, report, (r) =>
            [
              r.dryRun
                ? `Dry run: nothing was removed. Older than ${r.cutoff}, cleanup would remove:`
                : `Removed what was older than ${r.cutoff}:`,
              table([
                { what: 'finished jobs pruned', count: r.jobs },
                { what: 'events', count: r.events },
                { what: 'steps (of succeeded jobs)', count: r.steps },
                { what: 'expired idempotency keys', count: r.idempotencyKeys },
                { what: 'ledger journal rows', count: r.ledgerEntries },
                { what: 'closed call reservations', count: r.callReservations },
              ]),
            ].join('\n'),
          );
        } finally {
          await ops.close();
        }
      },
    );
}
