import type { HoldfastError } from '../errors/holdfast-error.js';
import type { Ledger } from '../ledger/ledger.js';
import type { TxSql } from '../store/store.js';
import type { Attempt } from './attempt.js';
import type { Pipeline } from './pipeline.js';
import type { AttemptOutcome } from './run-attempt.js';
import type { JobCandidate } from './submit.js';

/** What to do with a job parked for budget when it is claimed. */
export type ParkedDecision =
  | { readonly action: 'run' }
  | { readonly action: 'park'; readonly runAt: number; readonly detail: string }
  | { readonly action: 'fail'; readonly error: HoldfastError };

/** Where the runtime meets the ledger: at submit, when a parked job is claimed, at manual retry, at the end. */
export interface BudgetHooks {
  /** At submit, in its transaction: reserve each job's estimate, refuse them all, or park some. */
  admit(tx: TxSql, candidates: JobCandidate[], now: number): Promise<void>;
  prepareParked(attempt: Attempt): Promise<ParkedDecision>;
  /** Before a manual retry: the budgets must cover the steps that remain (throws a refusal). */
  checkRetry(
    tx: TxSql,
    job: {
      id: string;
      pipeline: string;
      tenant: string | null;
      input: unknown;
      estimate: Record<string, number> | null;
    },
    remainingSteps: readonly string[] | undefined,
    now: number,
  ): Promise<void>;
  attemptEnded(attempt: Attempt, outcome: AttemptOutcome): void;
  /** A job cancelled before any worker ran it: its hold goes back now. */
  cancelledQueued(jobId: string): void;
}

/** The runtime's budget hooks, backed by the ledger. */
export function budgetHooks(ledger: Ledger, pipelines: ReadonlyMap<string, Pipeline>): BudgetHooks {
  return {
    async admit(tx, candidates, now) {
      for (const candidate of candidates) {
        const { pipeline } = candidate;
        const estimate = pipeline.estimate?.(candidate.input);
        candidate.estimate = estimate ? { ...estimate } : null;
        // Nothing to reserve and no cap to watch: the ledger has nothing to do for this job.
        if (estimate === undefined && pipeline.budget === undefined) continue;
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
            payload: {
              reason: 'budget',
              runAt: new Date(result.runAt).toISOString(),
              detail: result.refusals.map((r) => r.message).join('; '),
            },
          });
        }
      }
    },

    async prepareParked(attempt) {
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
    },

    /**
     * With a plan of steps, the job's estimate is prorated to the remaining ones; without, the
     * whole estimate is checked.
     */
    async checkRetry(tx, job, remainingSteps, now) {
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
    },

    /**
     * When a job ends in its worker: what is left of its hold goes back at once. Only jobs whose
     * pipeline estimates or caps spend have a hold; the others cost the ledger nothing.
     */
    attemptEnded(attempt, outcome) {
      if (outcome !== 'succeeded' && outcome !== 'failed' && outcome !== 'cancelled') return;
      if (attempt.row.estimate === null && attempt.pipeline.budget === undefined) return;
      void ledger.releaseJob(attempt.ref.id);
    },

    cancelledQueued(jobId) {
      void ledger.releaseJob(jobId);
    },
  };
}
