import { holdfastError } from '../errors/holdfast-error.js';
import type { ProviderClient } from '../providers/provider-client.js';
import type { CallAttempt, ProviderRequest } from '../providers/provider-types.js';
import type { RuntimeServices } from './runtime-services.js';
import type { StepContextExtension } from './step-runner.js';

/**
 * Gives steps `ctx.call(provider, request)` and `ctx.stream(provider, request)`: the guarded
 * client, under the step's signal and the job's deadline, billed to the job and its tenant, with
 * every attempt recorded in the job's timeline as a `step:call` event.
 */
export function providerStepExtension(
  providers: ReadonlyMap<string, ProviderClient>,
  services: () => RuntimeServices,
): StepContextExtension {
  return (_ctx, execution) => {
    const { attempt, name: step, signal } = execution;
    const client = (provider: string) => {
      const found = providers.get(provider);
      if (!found)
        throw holdfastError('NOT_FOUND', { kind: 'provider', id: provider, known: [...providers.keys()] });
      return found;
    };
    const onAttempt = (a: CallAttempt) => {
      services()
        .batcher.submit({
          job: attempt.ref,
          events: [
            {
              type: 'step:call',
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
            },
          ],
        })
        // A fenced event means the attempt is over; the step's own outcome reports that.
        .catch(() => {});
    };
    const options = () => ({
      signal,
      deadline: attempt.row.deadline_at?.getTime(),
      budget: { jobId: attempt.ref.id, epoch: attempt.ref.epoch, tenant: attempt.ref.tenant, step },
      onAttempt,
    });
    return {
      call: (provider: string, request: ProviderRequest) => client(provider).request(request, options()),
      stream: (provider: string, request: ProviderRequest) => client(provider).stream(request, options()),
    };
  };
}
