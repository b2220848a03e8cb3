import type { HoldfastError } from '../errors/holdfast-error.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Attempt } from './attempt.js';
import type { RetryCheck } from './jobs-api.js';
import type { Pipeline } from './pipeline.js';
import type { AttemptOutcome } from './run-attempt.js';
import type { Admission } from './submit.js';

/** What to do with an attempt before its pipeline runs. */
export type AttemptDecision =
  | { readonly action: 'run' }
  | { readonly action: 'park'; readonly runAt: number; readonly detail: string }
  | { readonly action: 'fail'; readonly error: HoldfastError };

export type PrepareAttempt = (attempt: Attempt) => Promise<AttemptDecision>;

/** The runtime's budget hooks, backed by the ledger. */
export function budgetHooks(ledger: Ledger, pipelines: ReadonlyMap<string, Pipeline>) {
  /** At submit: reserve each job's estimate, refuse it, or park it until it is affordable. */
  const admission: Admission = async (tx, candidates, now) => {
    for (const candidate of candidates) {
      const { pipeline } = candidate;
      const estimate = pipeline.estimate?.(candidate.input);
      candidate.estimate = estimate ? { ...estimate } : null;
      const result = await ledger.admit(
        tx,
        {
          jobId: candidate.id,
          pipeline: pipeline.name,
          tenant: candidate.tenant,
          estimate,
          caps: pipeline.budget,
          budgetMode: pipeline.budgetMode,
        },
        now,
      );
      if (result.kind === 'refused') throw result.error;
      if (result.kind === 'wait') {
        candidate.state = 'waiting';
        candidate.runAt = result.runAt;
        candidate.waitReason = 'budget';
        candidate.extraEvents.push({
          type: 'job:waiting',
          jobId: null,
          seq: null,
          tenant: candidate.tenant,
          at: now,
          payload: {
            reason: 'budget',
            runAt: new Date(result.runAt).toISOString(),
            detail: result.refusals.map((r) => r.message).join('; '),
          },
        });
      }
    }
  };

  /** At claim: a job parked for budget gets its hold now, or goes back to wait. */
  const prepareAttempt: PrepareAttempt = async (attempt) => {
    if (attempt.row.wait_reason !== 'budget') return { action: 'run' };
    const result = await ledger.reserveParked({
      jobId: attempt.ref.id,
      pipeline: attempt.pipeline.name,
      tenant: attempt.ref.tenant,
      estimate: attempt.row.estimate ?? undefined,
      caps: attempt.pipeline.budget,
      budgetMode: 'wait',
    });
    if (result.kind === 'admitted') return { action: 'run' };
    if (result.kind === 'wait')
      return {
        action: 'park',
        runAt: result.runAt,
        detail: result.refusals.map((r) => r.message).join('; '),
      };
    return { action: 'fail', error: result.error };
  };

  /**
   * Before a manual retry: the budgets must cover the steps that remain. With a plan of steps,
   * the job's estimate is prorated to the remaining ones; without, the whole estimate is checked.
   */
  const retryCheck: RetryCheck = async (tx, job, remainingSteps, now) => {
    const pipeline = pipelines.get(job.pipeline);
    const full = pipeline?.estimate?.(job.input as never) ?? job.estimate ?? {};
    const plan = pipeline?.steps;
    const fraction = plan && remainingSteps && plan.length > 0 ? remainingSteps.length / plan.length : 1;
    const estimate = Object.fromEntries(
      Object.entries(full).map(([meter, amount]) => [meter, Math.ceil(amount * fraction)]),
    );
    await ledger.check(
      tx,
      { jobId: job.id, pipeline: job.pipeline, tenant: job.tenant, estimate, caps: pipeline?.budget },
      now,
    );
  };

  /**
   * When a job ends in its worker: what is left of its hold goes back at once. Only jobs whose
   * pipeline estimates or caps spend have a hold; the others cost the ledger nothing.
   */
  const attemptEnded = (attempt: Attempt, outcome: AttemptOutcome): void => {
    if (outcome !== 'succeeded' && outcome !== 'failed' && outcome !== 'cancelled') return;
    if (attempt.row.estimate === null && attempt.pipeline.budget === undefined) return;
    void ledger.releaseJob(attempt.ref.id);
  };

  return { admission, prepareAttempt, retryCheck, attemptEnded };
}
