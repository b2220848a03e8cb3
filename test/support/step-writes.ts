import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Sql } from '../../src/store/store.js';

/**
 * Checks a run of the crash pipeline (test/fixtures/crash-pipeline.ts) after the fact: every job
 * succeeded; no step ran again once it had succeeded (the committed result is the last execution
 * that ever started); every step has exactly its three staged rows, all from the execution that
 * committed — none from an execution cut off before its commit. Returns how many executions were
 * cut off and re-run.
 */
export async function verifyStepWrites(sql: Sql, logFile: string, jobs: number): Promise<number> {
  const { rows: states } = await sql.query<{ state: string; n: number }>(
    'select state, count(*)::int as n from holdfast.jobs group by state',
  );
  expect(states).toEqual([{ state: 'succeeded', n: jobs }]);

  const { rows: steps } = await sql.query<{ job_id: string; name: string; output: string; state: string }>(
    'select job_id, name, output, state from holdfast.steps',
  );
  expect(steps).toHaveLength(jobs * 3);
  expect(steps.every((s) => s.state === 'succeeded')).toBe(true);

  // Starts in log order, per step.
  const starts = new Map<string, string[]>();
  for (const line of readFileSync(logFile, 'utf8').trim().split('\n')) {
    const [job, step, exec] = line.split(' ');
    const key = `${job} ${step}`;
    starts.set(key, [...(starts.get(key) ?? []), exec!]);
  }
  const { rows: writes } = await sql.query<{ job_id: string; step: string; k: number; exec: string }>(
    'select job_id, step, k, exec from crash_writes',
  );
  const writesByStep = new Map<string, Array<{ k: number; exec: string }>>();
  for (const w of writes) {
    const key = `${w.job_id} ${w.step}`;
    writesByStep.set(key, [...(writesByStep.get(key) ?? []), { k: w.k, exec: w.exec }]);
  }

  let rerunsBeforeCommit = 0;
  for (const step of steps) {
    const key = `${step.job_id} ${step.name}`;
    const execs = starts.get(key) ?? [];
    // The execution whose result was committed is the last one that ever started:
    // once a step succeeded, it never ran again.
    expect(execs.at(-1), key).toBe(step.output);
    rerunsBeforeCommit += execs.length - 1;
    // Exactly its three staged rows, none from the executions that were cut off.
    const rows = (writesByStep.get(key) ?? []).sort((a, b) => a.k - b.k);
    expect(rows, key).toEqual([1, 2, 3].map((k) => ({ k, exec: step.output })));
  }
  expect(writes).toHaveLength(jobs * 9);
  return rerunsBeforeCommit;
}
