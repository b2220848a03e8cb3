import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';

/**
 * Turns what undici throws into the taxonomy: its three timeouts become PROVIDER_TIMEOUT with the
 * phase that timed out; refused, reset and unresolvable connections become PROVIDER_UNREACHABLE.
 * All are retryable, except a host name that does not resolve (a configuration mistake).
 */
export function networkError(
  error: unknown,
  context: {
    provider: string;
    operation: string;
    host: string;
    timeouts: { connect: number; headers: number; body: number };
  },
): HoldfastError {
  if (isHoldfastError(error)) return error;
  const e = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const base = { provider: context.provider, operation: context.operation };
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return holdfastError(
        'PROVIDER_TIMEOUT',
        { ...base, phase: 'connect', timeoutMs: context.timeouts.connect },
        { cause: error },
      );
    case 'UND_ERR_HEADERS_TIMEOUT':
      return holdfastError(
        'PROVIDER_TIMEOUT',
        { ...base, phase: 'headers', timeoutMs: context.timeouts.headers },
        { cause: error },
      );
    case 'UND_ERR_BODY_TIMEOUT':
      return holdfastError(
        'PROVIDER_TIMEOUT',
        { ...base, phase: 'body', timeoutMs: context.timeouts.body },
        { cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return holdfastError(
        'PROVIDER_UNREACHABLE',
        { ...base, host: context.host, errno: code },
        { cause: error, retryable: code === 'EAI_AGAIN' },
      );
    default:
      return holdfastError(
        'PROVIDER_UNREACHABLE',
        { ...base, host: context.host, errno: code ?? e.name, providerMessage: e.message },
        {
          cause: error,
          message: `${context.provider} connection failed${code ? ` (${code})` : ''}: ${e.message ?? String(error)}`,
        },
      );
  }
}
