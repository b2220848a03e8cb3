import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';

export interface ServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on (default $HOLDFAST_PORT, else 8080; 0 picks a free one). */
  readonly port?: number;
  /** Largest request body accepted, in bytes (default 1 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
  /**
   * Whether requests need a key (default true). Without, every caller is the admin, so the server
   * refuses to listen anywhere but on loopback.
   */
  readonly auth?: boolean;
  /** Comment sent on idle event streams so proxies keep them open (default 15 s). */
  readonly heartbeat?: Duration;
  /** Lifetime of a job's read-only event token (default 15 min, at most 24 h). */
  readonly jobTokenTtl?: Duration;
  /** How long a cached API key (or dashboard session) is trusted before it is read again (default 5 s). */
  readonly keyCacheTtl?: Duration;
  /** Lifetime of a dashboard session opened by signing in (default 12 h, at most 30 days). */
  readonly sessionTtl?: Duration;
  /** Lifetime of a one-time sign-in link (default 15 min, at most 24 h). */
  readonly signInLinkTtl?: Duration;
  /**
   * A credential accepted as the admin's, known only to this process and written 0600 in the
   * embedded data directory, so that the CLI on this machine reaches the running server.
   */
  readonly localToken?: string;
  /**
   * Serve only health and metrics (`holdfast worker --metrics-port`): a worker process is then
   * probed and scraped like the others, and offers no API.
   */
  readonly operationsOnly?: boolean;
}

export interface ResolvedServerOptions {
  readonly host: string;
  readonly port: number;
  readonly bodyLimit: number;
  readonly auth: boolean;
  readonly heartbeatMs: number;
  readonly jobTokenTtlMs: number;
  readonly keyCacheTtlMs: number;
  readonly sessionTtlMs: number;
  readonly signInLinkTtlMs: number;
  readonly localToken: string | undefined;
  readonly operationsOnly: boolean;
}

export const serverDefaults = {
  host: '127.0.0.1',
  port: 8080,
  bodyLimit: 1_048_576,
  heartbeatMs: 15_000,
  jobTokenTtlMs: 15 * 60_000,
  keyCacheTtlMs: 5_000,
  sessionTtlMs: 12 * 3_600_000,
  signInLinkTtlMs: 15 * 60_000,
} as const;

const maxJobTokenTtlMs = 24 * 3_600_000;

/** Resolves the server's options in one place; a bad one throws CONFIG_INVALID naming it. */
export function resolveServerOptions(
  options: ServerOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedServerOptions {
  const host = options.host ?? serverDefaults.host;
  if (typeof host !== 'string' || host.trim() === '') {
    throw configError(
      'host',
      ['must be an address such as 127.0.0.1', 'doit être une adresse comme 127.0.0.1'],
      host,
    );
  }
  const port = options.port ?? portFromEnv(env) ?? serverDefaults.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw configError(
      'port',
      ['must be an integer from 0 to 65535', 'doit être un entier de 0 à 65 535'],
      port,
    );
  }
  const bodyLimit = options.bodyLimit ?? serverDefaults.bodyLimit;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
    throw configError(
      'bodyLimit',
      [
        'must be a whole number of bytes, at least 1024',
        "doit être un nombre entier d'octets, au moins 1024",
      ],
      bodyLimit,
    );
  }
  const auth = options.auth ?? true;
  if (!auth && !isLoopback(host)) {
    throw configError(
      'host',
      [
        'must be a loopback address (127.0.0.1, ::1, localhost) when authentication is off: anyone who reaches the port would be the admin',
        "doit être une adresse de bouclage (127.0.0.1, ::1, localhost) quand l'authentification est désactivée : quiconque atteint le port serait administrateur",
      ],
      host,
    );
  }
  const jobTokenTtlMs = duration(options.jobTokenTtl, serverDefaults.jobTokenTtlMs, 'jobTokenTtl');
  if (jobTokenTtlMs < 1000 || jobTokenTtlMs > maxJobTokenTtlMs) {
    throw configError(
      'jobTokenTtl',
      ['must be from 1 s to 24 h', 'doit être compris entre 1 s et 24 h'],
      jobTokenTtlMs,
    );
  }
  const sessionTtlMs = duration(options.sessionTtl, serverDefaults.sessionTtlMs, 'sessionTtl');
  if (sessionTtlMs < 60_000 || sessionTtlMs > 30 * 86_400_000) {
    throw configError(
      'sessionTtl',
      ['must be from 1 min to 30 days', 'doit être compris entre 1 min et 30 jours'],
      sessionTtlMs,
    );
  }
  const signInLinkTtlMs = duration(options.signInLinkTtl, serverDefaults.signInLinkTtlMs, 'signInLinkTtl');
  if (signInLinkTtlMs < 1000 || signInLinkTtlMs > maxJobTokenTtlMs) {
    throw configError(
      'signInLinkTtl',
      ['must be from 1 s to 24 h', 'doit être compris entre 1 s et 24 h'],
      signInLinkTtlMs,
    );
  }
  const heartbeatMs = duration(options.heartbeat, serverDefaults.heartbeatMs, 'heartbeat');
  if (heartbeatMs < 10) {
    throw configError('heartbeat', ['must be at least 10 ms', 'doit valoir au moins 10 ms'], heartbeatMs);
  }
  return {
    host,
    port,
    bodyLimit,
    auth,
    heartbeatMs,
    jobTokenTtlMs,
    keyCacheTtlMs: duration(options.keyCacheTtl, serverDefaults.keyCacheTtlMs, 'keyCacheTtl'),
    sessionTtlMs,
    signInLinkTtlMs,
    localToken: options.localToken,
    operationsOnly: options.operationsOnly ?? false,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function portFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.HOLDFAST_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw configError(
      'HOLDFAST_PORT',
      ['must be an integer from 0 to 65535', 'doit être un entier de 0 à 65 535'],
      raw,
      'the environment',
    );
  }
  return port;
}

function duration(value: Duration | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  try {
    return parseDuration(value, name);
  } catch {
    throw configError(
      name,
      [
        "must be a duration such as '500ms', '15s' or '10m'",
        "doit être une durée comme '500ms', '15s' ou '10m'",
      ],
      value,
    );
  }
}
