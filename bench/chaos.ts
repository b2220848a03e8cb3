/**
 * What a database restart costs a running Holdfast: PostgreSQL (a throwaway cluster of this
 * bench's own) is crashed with `pg_ctl stop -m immediate` and started again, RESTARTS times (10),
 * under a worker process running three-step jobs. For each restart: the time from the database's
 * return to the first job completed, and to the last job it had cut off completed.
 *
 *   npm run bench:chaos
 *   RESTARTS=20 BATCH=60 npm run bench:chaos
 */
import { canRunCluster, startThrowawayCluster } from '../test/support/pg-cluster.js';
import { runRestartCycles } from '../test/support/restart-cycles.js';
import { percentile, report } from './report.js';

const restarts = Number(process.env.RESTARTS ?? 10);
const batch = Number(process.env.BATCH ?? 40);

if (!canRunCluster()) {
  process.stderr.write('bench:chaos needs the PostgreSQL server binaries (apt-get install postgresql)\n');
  process.exit(1);
}
const cluster = await startThrowawayCluster();
try {
  const run = await runRestartCycles(cluster, { restarts, batch });
  await run.worker.stop();
  const resume = run.cycles.map((c) => c.resumeMs).sort((a, b) => a - b);
  const cutOff = run.cycles
    .filter((c) => c.cutOff > 0)
    .map((c) => c.cutOffMs)
    .sort((a, b) => a - b);
  report(
    'chaos',
    [
      {
        measure: 'restart → first job completed (ms)',
        median: percentile(resume, 50),
        worst: resume.at(-1) ?? 0,
      },
      {
        measure: 'restart → last cut-off job completed (ms)',
        median: percentile(cutOff, 50),
        worst: cutOff.at(-1) ?? 0,
      },
    ],
    { restarts, batch, jobs: run.jobs, cycles: run.cycles },
  );
} finally {
  await cluster.destroy();
}
