import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';

export type Jitter = 'decorrelated' | 'none';

export interface BackoffOptions {
  /** First delay (default 5 s). */
  readonly initial?: Duration;
  /** Growth per attempt (default 2: about 5 s, 10 s, 20 s …). */
  readonly factor?: number;
  /** Longest delay (default 5 min). */
  readonly max?: Duration;
  /** 'decorrelated' (default) spreads retries of many jobs apart; 'none' gives exact delays. */
  readonly jitter?: Jitter;
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  readonly jitter: Jitter;
}

export const backoffDefaults = {
  initialMs: 5000,
  factor: 2,
  maxMs: 300_000,
  jitter: 'decorrelated',
} as const satisfies BackoffPolicy;

/** Resolves and checks backoff options; a bad value is CONFIG_INVALID naming it. */
export function backoffPolicy(options: BackoffOptions = {}, name = 'backoff'): BackoffPolicy {
  const initialMs =
    options.initial === undefined
      ? backoffDefaults.initialMs
      : parseDuration(options.initial, `${name}.initial`);
  const maxMs = options.max === undefined ? backoffDefaults.maxMs : parseDuration(options.max, `${name}.max`);
  const factor = options.factor ?? backoffDefaults.factor;
  const jitter = options.jitter ?? backoffDefaults.jitter;
  if (!(factor >= 1) || !Number.isFinite(factor))
    throw configError(
      `${name}.factor`,
      ['must be a number of 1 or more', 'doit être un nombre supérieur ou égal à 1'],
      factor,
    );
  if (maxMs < initialMs)
    throw configError(
      `${name}.max`,
      [
        `must not be below ${name}.initial (${initialMs} ms)`,
        `ne doit pas être inférieur à ${name}.initial (${initialMs} ms)`,
      ],
      options.max,
    );
  if (jitter !== 'decorrelated' && jitter !== 'none') {
    throw configError(
      `${name}.jitter`,
      ["must be 'decorrelated' or 'none'", "doit valoir 'decorrelated' ou 'none'"],
      jitter,
    );
  }
  return { initialMs, factor, maxMs, jitter };
}

/**
 * The delay before retry number `retry` (1 for the first retry).
 *
 * - 'none': initial × factor^(retry − 1), capped at max.
 * - 'decorrelated': drawn uniformly between `initial` and (2·factor − 1) × the previous delay,
 *   capped at max (AWS's "decorrelated jitter", which uses 3 × previous for factor 2). The first
 *   is drawn as if the previous delay had been initial ÷ factor, so delays average about
 *   initial, initial·factor, initial·factor², … while jobs that failed together retry apart.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  previousMs: number | undefined,
  random: () => number = Math.random,
): number {
  const { initialMs, factor, maxMs } = policy;
  if (policy.jitter === 'none') return Math.min(maxMs, initialMs * factor ** Math.max(0, retry - 1));
  const previous = previousMs ?? initialMs / factor;
  const upper = Math.min(maxMs, Math.max(initialMs, previous * (2 * factor - 1)));
  return Math.round(initialMs + random() * (upper - initialMs));
}
