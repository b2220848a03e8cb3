import { holdfastError } from '../errors/holdfast-error.js';
import type { ProviderClient } from '../providers/provider-client.js';
import type { CallAttempt, CallOptions } from '../providers/provider-types.js';
import type { Attempt } from './attempt.js';

/** What a step's call needs to know about the step making it. */
export interface StepCall {
  readonly attempt: Attempt;
  readonly providers: ReadonlyMap<string, ProviderClient>;
  readonly step: string;
  readonly signal: AbortSignal;
  /** When the step's own timeout passes (undefined without one). */
  readonly stepDeadline: number | undefined;
}

/**
 * `ctx.call` and `ctx.stream`: the guarded client, under the step's signal and deadline, billed
 * to the job and its tenant, with every attempt recorded in the job's timeline as a `step:call`
 * event. A call's deadline is the earliest of the step's and the job's, so a provider asking to
 * wait past either fails the call at once with `beyondDeadline` instead of sleeping into a
 * timeout (G6).
 */
export function providerCall<R>(
  call: StepCall,
  provider: string,
  send: (client: ProviderClient, options: CallOptions) => Promise<R>,
): Promise<R> {
  const client = call.providers.get(provider);
  if (!client) {
    const known = [...call.providers.keys()];
    return Promise.reject(
      holdfastError(
        'NOT_FOUND',
        { kind: 'provider', id: provider, known },
        known.length === 0
          ? { message: 'No providers are configured: pass `providers` to createHoldfast' }
          : {},
      ),
    );
  }
  const { attempt, step } = call;
  const onAttempt = (a: CallAttempt) => {
    attempt
      .commit({
        kind: 'call',
        payload: {
          step,
          provider: a.provider,
          operation: a.operation,
          attempt: a.attempt,
          status: a.status,
          durationMs: a.durationMs,
          outcome: a.outcome,
          usage: a.usage,
          errorCode: a.error?.code,
          retryInMs: a.retryInMs,
        },
      })
      // A fenced event means the attempt is over; the step's own outcome reports that.
      .catch(() => {});
  };
  return send(client, {
    signal: call.signal,
    deadline: earliest(call.stepDeadline, attempt.row.deadline_at?.getTime()),
    budget: { jobId: attempt.ref.id, epoch: attempt.ref.epoch, tenant: attempt.ref.tenant, step },
    onAttempt,
  });
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
