import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { BrokerKind } from './bus-options.js';

/** Network failures: the broker is away (or the way to it is), trying again later can work. */
const networkErrnos = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Maps what a broker client threw to BUS_UNREACHABLE (the broker could not be reached or did not
 * answer in time) or BUS_REFUSED (it answered no: credentials, permissions, a conflicting
 * definition). `name` is the stream, consumer, queue or subject concerned.
 */
export function brokerError(
  broker: BrokerKind,
  url: string,
  operation: string,
  error: unknown,
  name?: string,
): HoldfastError<'BUS_UNREACHABLE' | 'BUS_REFUSED'> {
  if (isHoldfastError(error) && (error.code === 'BUS_UNREACHABLE' || error.code === 'BUS_REFUSED')) {
    return error as HoldfastError<'BUS_UNREACHABLE' | 'BUS_REFUSED'>;
  }
  const errno = findErrno(error);
  const message = error instanceof Error ? error.message : String(error);
  const unreachable =
    (errno !== undefined && networkErrnos.has(errno)) ||
    /timeout|timed out|connection (closed|lost|refused)|closed connection|disconnect|socket|CONNECTION_REFUSED|Channel closed|Connection closed/i.test(
      message,
    );
  if (unreachable) {
    return holdfastError(
      'BUS_UNREACHABLE',
      { broker, url, errno, reason: message.slice(0, 200) },
      { cause: error },
    );
  }
  return holdfastError(
    'BUS_REFUSED',
    { broker, url, operation, name, brokerMessage: message.slice(0, 300) },
    { cause: error },
  );
}

function findErrno(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    const nested = (current as { errors?: unknown[] }).errors;
    if (Array.isArray(nested) && nested.length > 0) current = nested[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
