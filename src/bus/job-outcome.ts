import type { HoldfastErrorJSON } from '../errors/holdfast-error.js';
import type { OutgoingMessage } from './bus-adapter.js';

/** How a job submitted from a message ended, as published on its route's `results`. */
export interface JobOutcome {
  /** The route's `results` destination. */
  readonly destination: string;
  /** The message's correlation id (else its idempotency key). */
  readonly correlationId: string;
  readonly idempotencyKey: string;
  readonly jobId: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  /** The job's output, when it succeeded. */
  readonly output?: unknown;
  /** The error that ended it, when it failed or was cancelled. */
  readonly error?: HoldfastErrorJSON | undefined;
  readonly finishedAt: string;
}

/**
 * Where outcomes go. Today the ingress publishes each outcome to the broker when it sees the job's
 * terminal event; the notifications outbox will implement this same function durably (written with
 * the event, delivered with retries), so that no outcome is lost while the broker is away.
 */
export type PublishOutcome = (outcome: JobOutcome) => Promise<void>;

/** The broker message of an outcome: JSON, with the correlation id in the broker's own field. */
export function outcomeMessage(outcome: JobOutcome): OutgoingMessage {
  const { destination: _destination, ...body } = outcome;
  return {
    body: Buffer.from(JSON.stringify(body)),
    headers: { 'Holdfast-Job-Id': outcome.jobId, 'Holdfast-Job-State': outcome.state },
    // One outcome per job: a broker that deduplicates keeps one if it is published twice.
    id: `outcome:${outcome.jobId}`,
    correlationId: outcome.correlationId,
    contentType: 'application/json',
  };
}
