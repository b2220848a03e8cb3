import type { HoldfastError } from '../errors/holdfast-error.js';
import type { OutgoingMessage } from './bus-adapter.js';
import type { BusMessage } from './bus-message.js';
import type { ResolvedRoute } from './bus-options.js';

/** The body of a message published to a route's `deadLetter`. */
export interface DeadLetterBody {
  /** The coded error, English message and recommendations (`HoldfastErrorJSON`). */
  readonly error: ReturnType<HoldfastError['serialize']>;
  /** The same recommendations in French. */
  readonly recommendationsFr: readonly string[];
  readonly route: { readonly from: string; readonly pipeline: string };
  readonly original: {
    readonly id: string | undefined;
    readonly idempotencyKey: string | undefined;
    readonly correlationId: string | undefined;
    readonly headers: Readonly<Record<string, string>>;
    /** The body as sent: UTF-8 text, or base64 when it is not text. */
    readonly body: string;
    readonly bodyEncoding: 'utf8' | 'base64';
  };
  readonly deadLetteredAt: string;
}

/**
 * The dead letter of a refused message: the original body and headers, and the error with its
 * code, details and recommendations. Headers repeat the code and, for a budget refusal, the
 * figures (`Holdfast-Token-Balance`, `-Required`, `-Deficit`, `-Reset`), so that a consumer of the
 * dead-letter queue can route on them without parsing the body. Its id is derived from the
 * message's key, so a broker that deduplicates (JetStream) keeps one dead letter if a crash makes
 * Holdfast publish it twice.
 */
export function deadLetterMessage(
  route: ResolvedRoute,
  message: BusMessage,
  idempotencyKey: string | undefined,
  correlationId: string | undefined,
  error: HoldfastError,
  now: number,
): OutgoingMessage {
  const text = Buffer.from(message.body).toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(Buffer.from(message.body));
  const body: DeadLetterBody = {
    error: error.serialize('en'),
    recommendationsFr: error.recommendations('fr'),
    route: { from: route.from, pipeline: route.pipeline },
    original: {
      id: message.id,
      idempotencyKey,
      correlationId,
      headers: message.headers,
      body: isText ? text : Buffer.from(message.body).toString('base64'),
      bodyEncoding: isText ? 'utf8' : 'base64',
    },
    deadLetteredAt: new Date(now).toISOString(),
  };
  return {
    body: Buffer.from(JSON.stringify(body)),
    headers: {
      'Holdfast-Error-Code': error.code,
      'Holdfast-Pipeline': route.pipeline,
      ...budgetHeaders(error),
    },
    id: idempotencyKey === undefined ? undefined : `dead-letter:${route.from}:${idempotencyKey}`,
    correlationId,
    contentType: 'application/json',
  };
}

/** The refusal's figures, for budget refusals. */
function budgetHeaders(error: HoldfastError): Record<string, string> {
  const d = error.details as Partial<Record<'balance' | 'required' | 'deficit' | 'resetAt', unknown>>;
  if (error.code !== 'QUOTA_EXCEEDED' && error.code !== 'INSUFFICIENT_TOKENS') return {};
  const headers: Record<string, string> = {};
  if (d.balance !== undefined) headers['Holdfast-Token-Balance'] = String(d.balance);
  if (d.required !== undefined) headers['Holdfast-Token-Required'] = String(d.required);
  if (d.deficit !== undefined) headers['Holdfast-Token-Deficit'] = String(d.deficit);
  if (d.resetAt !== undefined) headers['Holdfast-Token-Reset'] = String(d.resetAt);
  return headers;
}
