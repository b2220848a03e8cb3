import type { HoldfastErrorJSON } from '../errors/holdfast-error.js';
import type { ProgressPayload } from '../events/event-map.js';

export type JobState = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepState = 'running' | 'succeeded' | 'failed';

export const jobStates: readonly JobState[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
];
export const terminalStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** A row of holdfast.jobs as the drivers return it. */
export interface JobRow {
  id: string;
  pipeline: string;
  tenant: string | null;
  state: JobState;
  input: unknown;
  output: unknown;
  error: HoldfastErrorJSON | null;
  progress: ProgressPayload | null;
  current_step: string | null;
  attempt: number;
  max_attempts: number;
  run_at: Date;
  wait_reason: string | null;
  retry_delay_ms: number | null;
  timeout_ms: number | null;
  deadline_at: Date | null;
  lease_epoch: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  takeovers: number;
  cancel_requested: boolean;
  cancel_reason: string | null;
  event_seq: number;
  idempotency_key: string | null;
  estimate: Record<string, number> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface StepRow {
  job_id: string;
  name: string;
  state: StepState;
  attempt: number;
  runs: number;
  output: unknown;
  error: HoldfastErrorJSON | null;
  progress: ProgressPayload | null;
  has_compensation: boolean;
  compensated_at: Date | null;
  started_at: Date;
  finished_at: Date | null;
}

/** A step as `jobs.get` shows it. */
export interface StepView {
  readonly name: string;
  readonly state: StepState;
  readonly attempt: number;
  /** How many times the step was started in all (a retried step shows 2+). */
  readonly runs: number;
  readonly output: unknown;
  readonly error: HoldfastErrorJSON | null;
  readonly progress: ProgressPayload | null;
  readonly compensated: boolean;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** A job as `jobs.get` and `jobs.list` show it. */
export interface Job<O = unknown> {
  readonly id: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly state: JobState;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly input: unknown;
  readonly output: O | null;
  /** The HoldfastError that ended the job, or the last one retried (while waiting). */
  readonly error: HoldfastErrorJSON | null;
  readonly progress: ProgressPayload | null;
  readonly currentStep: string | null;
  /** "step 2 of 3" when the pipeline declares its steps. */
  readonly plan: {
    readonly steps: readonly string[];
    readonly completed: number;
    readonly percent: number;
  } | null;
  readonly runAt: string;
  readonly waitReason: string | null;
  readonly deadlineAt: string | null;
  readonly cancelRequested: boolean;
  readonly idempotencyKey: string | null;
  readonly estimate: Readonly<Record<string, number>> | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly updatedAt: string;
  /** Present on `jobs.get`, absent from lists. */
  readonly steps?: readonly StepView[];
}

export function stepView(row: StepRow): StepView {
  return {
    name: row.name,
    state: row.state,
    attempt: row.attempt,
    runs: row.runs,
    output: row.output,
    error: row.error,
    progress: row.progress,
    compensated: row.compensated_at !== null,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export function jobView(row: JobRow, steps?: readonly StepRow[], plan?: readonly string[]): Job {
  const succeeded = steps
    ? new Set(steps.filter((s) => s.state === 'succeeded').map((s) => s.name))
    : undefined;
  return {
    id: row.id,
    pipeline: row.pipeline,
    tenant: row.tenant,
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    input: row.input,
    output: row.output ?? null,
    error: row.error,
    progress: row.progress,
    currentStep: row.current_step,
    plan:
      plan && succeeded
        ? {
            steps: plan,
            completed: plan.filter((s) => succeeded.has(s)).length,
            percent:
              plan.length === 0
                ? 100
                : Math.round((plan.filter((s) => succeeded.has(s)).length / plan.length) * 100),
          }
        : null,
    runAt: row.run_at.toISOString(),
    waitReason: row.wait_reason,
    deadlineAt: row.deadline_at?.toISOString() ?? null,
    cancelRequested: row.cancel_requested,
    idempotencyKey: row.idempotency_key,
    estimate: row.estimate,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
    ...(steps ? { steps: steps.map(stepView) } : {}),
  };
}
