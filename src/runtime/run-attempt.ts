import {
  type HoldfastError,
  holdfastError,
  isHoldfastError,
  toHoldfastError,
} from '../errors/holdfast-error.js';
import type { ProviderClient } from '../providers/provider-client.js';
import { decideRetry } from '../resilience/retry-decision.js';
import { isStoreOutage } from '../store/database-failure.js';
import { AbortScope, invoke, WorkerStopping } from './abort-scope.js';
import type { Attempt } from './attempt.js';
import type { BudgetHooks } from './budget-hooks.js';
import type { RunContext } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';
import { createStepApi } from './step-runner.js';

export type AttemptOutcome =
  | 'succeeded'
  | 'retry-scheduled'
  | 'failed'
  | 'cancelled'
  | 'released'
  | 'abandoned'
  | 'parked'
  /** Cut off by a store outage: the worker requeues the job once the store is back. */
  | 'interrupted';

export interface AttemptDeps {
  readonly services: RuntimeServices;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly budget: BudgetHooks;
}

/**
 * Runs one attempt of a claimed job to its end and records the outcome: success, a durable retry
 * (`waiting` + `run_at`, the worker is freed), a final failure or cancellation after the undo
 * hooks ran, or the job handed back when the worker stops. Returns what happened. Never throws:
 * a failure to record is logged, and the job is recovered by the lease take-over.
 */
export async function runAttempt(deps: AttemptDeps, attempt: Attempt): Promise<AttemptOutcome> {
  const { services } = deps;
  const { clock } = services;
  if (attempt.row.wait_reason === 'budget' && !attempt.scope.aborted) {
    const decision = await prepareParked(deps, attempt);
    if (decision !== 'run') return decision;
  }
  const outcome = await runPipeline(deps, attempt);
  // An aborted step records its end before the attempt's outcome follows it in the timeline.
  await attempt.quiesce();
  // The store went away under the attempt: not the job's failure, and nothing can be recorded now.
  if (!outcome.ok && isStoreOutage(outcome.error)) return 'interrupted';

  try {
    if (outcome.ok) {
      // Shares its commit with the last step's checkpoint when that one is still queued.
      await attempt.commitOutcome({
        kind: 'succeed',
        attempt: attempt.info.attempt,
        output: outcome.output,
        durationMs: clock.now() - attempt.startedAt,
      });
      return 'succeeded';
    }
    const { error } = outcome;
    if (error instanceof WorkerStopping) {
      await attempt.commitOutcome({
        kind: 'requeue',
        runAt: clock.now(),
        detail: services.workerId,
        attempt: attempt.info.attempt,
        retryDelayMs: attempt.row.retry_delay_ms,
      });
      return 'released';
    }
    if (error.code === 'LEASE_LOST') return 'abandoned';
    if (error.code === 'CANCELLED') {
      const final = await compensate(services, attempt, error);
      await attempt.commitOutcome({
        kind: 'cancel',
        reason: (error.details as { reason?: string }).reason,
        error: final.serialize(),
      });
      return 'cancelled';
    }
    return await retryOrFail(services, attempt, error);
  } catch (recordError) {
    if (isHoldfastError(recordError) && recordError.code === 'LEASE_LOST') return 'abandoned';
    if (isStoreOutage(recordError)) return 'interrupted';
    services.logger.error(
      { err: recordError, jobId: attempt.ref.id },
      'could not record the outcome of a job attempt; the job resumes when its lease expires',
    );
    return 'abandoned';
  }
}

type PipelineOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: HoldfastError | WorkerStopping };

async function runPipeline(deps: AttemptDeps, attempt: Attempt): Promise<PipelineOutcome> {
  // Handed back before it began (the worker stopped while it waited for a slot): nothing to run.
  if (attempt.scope.reason instanceof WorkerStopping) {
    attempt.dispose();
    return { ok: false, error: attempt.scope.reason };
  }
  try {
    const output = await attempt.scope.race(invoke(() => attempt.pipeline.run(runContext(deps, attempt))));
    return { ok: true, output: JSON.parse(JSON.stringify(output ?? null) ?? 'null') };
  } catch (thrown) {
    const reason: unknown = attempt.scope.aborted ? attempt.scope.reason : thrown;
    return {
      ok: false,
      error: reason instanceof WorkerStopping ? reason : toHoldfastError(reason, { jobId: attempt.ref.id }),
    };
  } finally {
    attempt.dispose();
  }
}

function runContext(deps: AttemptDeps, attempt: Attempt): RunContext<unknown> {
  const step = createStepApi(attempt, deps.services, deps.providers);
  return {
    input: attempt.row.input,
    step,
    job: attempt.info,
    get signal() {
      return attempt.signal;
    },
    sql: deps.services.store,
  };
}

/** A job parked for budget takes its hold now, or is parked again, or fails if it never can run. */
async function prepareParked(deps: AttemptDeps, attempt: Attempt): Promise<'run' | AttemptOutcome> {
  const { services } = deps;
  let decision: Awaited<ReturnType<BudgetHooks['prepareParked']>>;
  try {
    decision = await deps.budget.prepareParked(attempt);
  } catch (error) {
    attempt.dispose();
    if (isStoreOutage(error)) return 'interrupted';
    services.logger.warn(
      { err: error, jobId: attempt.ref.id },
      'could not take the budget of a parked job; it resumes when its lease expires',
    );
    return 'abandoned';
  }
  if (decision.action === 'run') return 'run';
  attempt.dispose();
  try {
    if (decision.action === 'park') {
      await attempt.commitOutcome({
        kind: 'park',
        runAt: decision.runAt,
        reason: 'budget',
        detail: decision.detail,
        attempt: attempt.info.attempt,
        retryDelayMs: attempt.row.retry_delay_ms,
      });
      return 'parked';
    }
    await attempt.commitOutcome({
      kind: 'fail',
      attempt: attempt.info.attempt,
      error: decision.error.serialize(),
    });
    return 'failed';
  } catch (error) {
    if (isStoreOutage(error)) return 'interrupted';
    if (!(isHoldfastError(error) && error.code === 'LEASE_LOST'))
      services.logger.warn({ err: error, jobId: attempt.ref.id }, 'could not park a job waiting for budget');
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
    previousDelayMs: attempt.row.retry_delay_ms ?? undefined,
    random: services.random,
  });
  if (decision.kind === 'retry') {
    await attempt.commitOutcome({
      kind: 'scheduleRetry',
      runAt: now + decision.delayMs,
      attempt: attempt.info.attempt + 1,
      delayMs: decision.delayMs,
      source: decision.source,
      error: error.serialize(),
    });
    return 'retry-scheduled';
  }
  const final = await compensate(services, attempt, decision.error);
  await attempt.commitOutcome({ kind: 'fail', attempt: attempt.info.attempt, error: final.serialize() });
  return 'failed';
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
    const scope = new AbortScope();
    const timeoutMs = services.options.compensationTimeoutMs;
    const timer = services.clock.setTimeout(
      () =>
        scope.abort(
          holdfastError(
            'STEP_TIMEOUT',
            { jobId: attempt.ref.id, step: comp.step, timeoutMs },
            {
              message: `compensation timed out after ${timeoutMs} ms`,
            },
          ),
        ),
      timeoutMs,
    );
    let message: string | undefined;
    try {
      await scope.race(
        invoke(() =>
          comp.fn(comp.output, {
            job: attempt.info,
            step: comp.step,
            get signal() {
              return scope.signal;
            },
            sql: services.store,
          }),
        ),
      );
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
      failures.push({ step: comp.step, message });
    } finally {
      services.clock.clearTimeout(timer);
    }
    await attempt.commit({ kind: 'compensated', step: comp.step, ok: message === undefined, message });
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
