import { configError } from '../errors/config-error.js';
import { holdfastError } from '../errors/holdfast-error.js';

/**
 * Why the simulator could not listen, as a HoldfastError: PORT_IN_USE for a busy port, and
 * CONFIG_INVALID for a port this process may not use or an address that is not this machine's.
 * Anything else is passed on unchanged.
 */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const cause = { cause: error };
  switch (code) {
    case 'EADDRINUSE':
      return holdfastError('PORT_IN_USE', { host, port, service: 'simulator' }, cause);
    case 'EACCES':
      return configError(
        'port',
        [
          `cannot be used by this process (ports below 1024 need privileges); choose one above 1024`,
          `désigne un port que ce processus n'a pas le droit d'utiliser (sous 1024, il faut des privilèges) ; choisissez-en un au-dessus de 1024`,
        ],
        port,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return configError(
        'host',
        [
          'is not an address of this machine (use 127.0.0.1, or 0.0.0.0 for every interface)',
          "désigne une adresse qui n'appartient pas à cette machine (utilisez 127.0.0.1, ou 0.0.0.0 pour toutes les interfaces)",
        ],
        host,
      );
    default:
      return error;
  }
}
