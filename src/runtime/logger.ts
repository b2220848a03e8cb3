import pino from 'pino';

/** The logging interface Holdfast uses; a pino logger satisfies it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Default logger: pino on stderr at HOLDFAST_LOG_LEVEL (default 'warn'), so a library stays quiet. */
export function defaultLogger(): Logger {
  return pino({ name: 'holdfast', level: process.env.HOLDFAST_LOG_LEVEL ?? 'warn' }, pino.destination(2));
}
