import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { Delivery } from './bus-adapter.js';
import type { BusSubmission } from './bus-message.js';
import type { ResolvedRoute } from './bus-options.js';

/** A message ready to submit: every field resolved, the idempotency key always present. */
export interface Submission {
  readonly input: unknown;
  readonly tenant: string | undefined;
  readonly idempotencyKey: string;
  readonly correlationId: string;
  readonly runAt: Date | number | string | undefined;
}

/** What a message becomes before any database work: a submission, or a refusal for `deadLetter`. */
export type Intake =
  | { readonly kind: 'submit'; readonly submission: Submission }
  | {
      readonly kind: 'refuse';
      readonly error: HoldfastError;
      readonly idempotencyKey: string | undefined;
      readonly correlationId: string | undefined;
    };

/**
 * Turns a delivery into a submission with the route's `map`, or by default: the JSON body as the
 * input, the message id as the idempotency key, the `tenant` header as the tenant. A body that is
 * not JSON, a `map` that throws, or a message with no key at all is refused with VALIDATION_ERROR
 * (a key is what makes a redelivered message one job; without one, exactly-once cannot hold).
 */
export async function readMessage(route: ResolvedRoute, delivery: Delivery): Promise<Intake> {
  const { message } = delivery;
  let mapped: BusSubmission;
  try {
    mapped = route.map ? await route.map(message) : { input: message.json() };
  } catch (error) {
    return {
      kind: 'refuse',
      error: route.map ? mapFailure(error) : notJson(error),
      idempotencyKey: delivery.defaultKey,
      correlationId: message.correlationId ?? delivery.defaultKey,
    };
  }
  if (typeof mapped !== 'object' || mapped === null || !('input' in mapped)) {
    return {
      kind: 'refuse',
      error: invalid('', 'map() must return an object with an `input`', 'bus message'),
      idempotencyKey: delivery.defaultKey,
      correlationId: message.correlationId ?? delivery.defaultKey,
    };
  }
  const idempotencyKey = mapped.idempotencyKey ?? delivery.defaultKey;
  const correlationId = mapped.correlationId ?? message.correlationId ?? idempotencyKey;
  if (idempotencyKey === undefined) {
    return {
      kind: 'refuse',
      error: invalid(
        'message-id',
        'the message has no message id, and the route has no map() giving an idempotencyKey: it could not be recognised if delivered twice',
        'bus message',
      ),
      idempotencyKey: undefined,
      correlationId,
    };
  }
  return {
    kind: 'submit',
    submission: {
      input: mapped.input,
      tenant: mapped.tenant ?? message.headers.tenant,
      idempotencyKey,
      correlationId: correlationId ?? idempotencyKey,
      runAt: mapped.runAt,
    },
  };
}

function notJson(error: unknown): HoldfastError {
  const reason = error instanceof Error ? error.message : String(error);
  return invalid('', `is not valid JSON (${reason})`, 'message body');
}

function mapFailure(error: unknown): HoldfastError {
  if (isHoldfastError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return invalid('', `map() threw: ${reason}`, 'bus message');
}

function invalid(field: string, message: string, subject: string): HoldfastError<'VALIDATION_ERROR'> {
  return holdfastError('VALIDATION_ERROR', { field, issues: [{ path: field, message }], subject });
}
