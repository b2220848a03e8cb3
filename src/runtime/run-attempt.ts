import {
  type HoldfastError,
  holdfastError,
  isHoldfastError,
  toHoldfastError,
} from '../errors/holdfast-error.js';
import { decideRetry } from '../resilience/retry-decision.js';
import { invoke, raceAbort } from './abort.js';
import { type Attempt, WorkerStopping } from './attempt.js';
import type { PrepareAttempt } from './budget-hooks.js';
import type { BatchOp } from './commit-batcher.js';
import type { RuntimeServices } from './runtime-services.js';
import { createStepApi, type StepContextExtension } from './step-runner.js';

export type AttemptOutcome =
  | 'succeeded'
  | 'retry-scheduled'
  | 'failed'
  | 'cancelled'
  | 'released'
  | 'abandoned'
  | 'parked';

/**
 * Runs one attempt of a claimed job to its end and records the outcome: success, a durable retry
 * (`waiting` + `run_at`, the worker is freed), or a final failure or cancellation after the undo
 * hooks ran. Returns what happened. Never throws: a failure to record is logged, and the job is
 * recovered by the lease take-over.
 */
export async function runAttempt(
  services: RuntimeServices,
  attempt: Attempt,
  extend?: StepContextExtension,
  prepare?: PrepareAttempt,
): Promise<AttemptOutcome> {
  const { clock } = services;
  if (prepare && !attempt.signal.aborted) {
    const decision = await prepared(services, attempt, prepare);
    if (decision !== 'run') return decision;
  }
  let outcome: { ok: true; output: unknown } | { ok: false; error: HoldfastError | WorkerStopping };
  try {
    const output = await raceAbort(
      invoke(() =>
        attempt.pipeline.run({
          input: attempt.row.input,
          step: createStepApi(attempt, services, extend),
          job: attempt.info,
          signal: attempt.signal,
          sql: services.store,
        }),
      ),
      attempt.signal,
    );
    outcome = { ok: true, output: JSON.parse(JSON.stringify(output ?? null)) };
  } catch (thrown) {
    const reason: unknown = attempt.signal.aborted ? attempt.signal.reason : thrown;
    outcome = {
      ok: false,
      error: reason instanceof WorkerStopping ? reason : toHoldfastError(reason, { jobId: attempt.ref.id }),
    };
  } finally {
    attempt.dispose();
  }

  try {
    if (outcome.ok) {
      await finish(services, attempt, {
        jobUpdate: {
          state: 'succeeded',
          output: outcome.output,
          error: null,
          finished_at: clock.now(),
          release: true,
        },
        events: [
          {
            type: 'job:succeeded',
            payload: { attempt: attempt.info.attempt, durationMs: clock.now() - attempt.startedAt },
          },
        ],
      });
      return 'succeeded';
    }
    const { error } = outcome;
    if (error instanceof WorkerStopping) {
      await finish(services, attempt, {
        jobUpdate: { state: 'queued', run_at: clock.now(), wait_reason: 'worker-stopped', release: true },
        events: [
          {
            type: 'job:waiting',
            payload: {
              reason: 'worker-stopped',
              runAt: new Date(clock.now()).toISOString(),
              detail: services.workerId,
            },
          },
        ],
      });
      return 'released';
    }
    if (error.code === 'LEASE_LOST') return 'abandoned';
    if (error.code === 'CANCELLED') {
      const final = await compensate(services, attempt, error);
      await finish(services, attempt, {
        jobUpdate: {
          state: 'cancelled',
          error: final.serialize(),
          finished_at: clock.now(),
          wait_reason: null,
          release: true,
        },
        events: [
          {
            type: 'job:cancelled',
            payload: { reason: (error.details as { reason?: string }).reason, error: final.serialize() },
          },
        ],
      });
      return 'cancelled';
    }
    return await retryOrFail(services, attempt, error);
  } catch (recordError) {
    if (isHoldfastError(recordError) && recordError.code === 'LEASE_LOST') return 'abandoned';
    services.logger.error(
      { err: recordError, jobId: attempt.ref.id },
      'could not record the outcome of a job attempt',
    );
    return 'abandoned';
  }
}

/** Runs the attempt's preparation (a budget-parked job's hold); parks or fails it if it cannot run. */
async function prepared(
  services: RuntimeServices,
  attempt: Attempt,
  prepare: PrepareAttempt,
): Promise<'run' | AttemptOutcome> {
  const { clock } = services;
  let decision: Awaited<ReturnType<PrepareAttempt>>;
  try {
    decision = await prepare(attempt);
  } catch (error) {
    // Could not decide (the database failed): the job waits for the lease take-over.
    services.logger.warn({ err: error, jobId: attempt.ref.id }, 'could not prepare a job attempt');
    attempt.dispose();
    return 'abandoned';
  }
  if (decision.action === 'run') return 'run';
  attempt.dispose();
  try {
    if (decision.action === 'park') {
      await finish(services, attempt, {
        jobUpdate: { state: 'waiting', run_at: decision.runAt, wait_reason: 'budget', release: true },
        events: [
          {
            type: 'job:waiting',
            payload: {
              reason: 'budget',
              runAt: new Date(decision.runAt).toISOString(),
              detail: decision.detail,
            },
          },
        ],
      });
      return 'parked';
    }
    await finish(services, attempt, {
      jobUpdate: {
        state: 'failed',
        error: decision.error.serialize(),
        finished_at: clock.now(),
        wait_reason: null,
        release: true,
      },
      events: [
        { type: 'job:failed', payload: { attempt: attempt.info.attempt, error: decision.error.serialize() } },
      ],
    });
    return 'failed';
  } catch {
    return 'abandoned';
  }
}

async function retryOrFail(
  services: RuntimeServices,
  attempt: Attempt,
  error: HoldfastError,
): Promise<AttemptOutcome> {
  const { clock } = services;
  const now = clock.now();
  const decision = decideRetry({
    attempt: attempt.info.attempt,
    maxAttempts: attempt.row.max_attempts,
    error,
    now,
    deadline: attempt.row.deadline_at?.getTime(),
    timeoutMs: attempt.row.timeout_ms ?? undefined,
    backoff: attempt.pipeline.retry.backoff,
    previousDelayMs: attempt.previousDelayMs,
    random: services.random,
  });
  if (decision.kind === 'retry') {
    const runAt = now + decision.delayMs;
    await finish(services, attempt, {
      jobUpdate: {
        state: 'waiting',
        run_at: runAt,
        attempt: attempt.info.attempt + 1,
        wait_reason: 'retry',
        retry_delay_ms: decision.delayMs,
        error: error.serialize(),
        release: true,
      },
      events: [
        {
          type: 'job:retry-scheduled',
          payload: {
            attempt: attempt.info.attempt,
            nextAttempt: attempt.info.attempt + 1,
            runAt: new Date(runAt).toISOString(),
            delayMs: decision.delayMs,
            source: decision.source,
            error: error.serialize(),
          },
        },
      ],
    });
    return 'retry-scheduled';
  }
  const final = await compensate(services, attempt, decision.error);
  await finish(services, attempt, {
    jobUpdate: {
      state: 'failed',
      error: final.serialize(),
      finished_at: clock.now(),
      wait_reason: null,
      release: true,
    },
    events: [{ type: 'job:failed', payload: { attempt: attempt.info.attempt, error: final.serialize() } }],
  });
  return 'failed';
}

function finish(services: RuntimeServices, attempt: Attempt, content: Omit<BatchOp, 'job'>) {
  return services.batcher.submit({ job: attempt.ref, ...content });
}

/**
 * Runs the undo hooks of the steps that succeeded, newest first, each once (a hook that ran is
 * recorded, so a crash during compensation does not run it twice). Returns the error the job ends
 * with: the original one, or ROLLBACK_FAILED if an undo failed.
 */
async function compensate(
  services: RuntimeServices,
  attempt: Attempt,
  cause: HoldfastError,
): Promise<HoldfastError> {
  const failures: Array<{ step: string; message: string }> = [];
  for (const comp of [...attempt.compensations].reverse()) {
    const controller = new AbortController();
    const timer = services.clock.setTimeout(
      () =>
        controller.abort(
          new Error(`compensation timed out after ${services.options.compensationTimeoutMs} ms`),
        ),
      services.options.compensationTimeoutMs,
    );
    let message: string | undefined;
    try {
      await raceAbort(
        invoke(() =>
          comp.fn(comp.output, {
            job: attempt.info,
            step: comp.step,
            signal: controller.signal,
            sql: services.store,
          }),
        ),
        controller.signal,
      );
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
      failures.push({ step: comp.step, message });
    } finally {
      services.clock.clearTimeout(timer);
    }
    await services.batcher.submit({
      job: attempt.ref,
      ...(message === undefined ? { stepCompensated: { name: comp.step } } : {}),
      events: [
        { type: 'step:compensated', payload: { step: comp.step, ok: message === undefined, message } },
      ],
    });
  }
  if (failures.length === 0) return cause;
  return holdfastError(
    'ROLLBACK_FAILED',
    {
      jobId: attempt.ref.id,
      step: failures[0]!.step,
      failures,
      cause: { code: cause.code, message: cause.message },
    },
    { cause },
  );
}
