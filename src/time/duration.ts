import { configError } from '../errors/config-error.js';

/**
 * Durations as people write them in configuration: `'250ms'`, `'5s'`, `'10m'`, `'1h30m'`, `'2d'`,
 * or a number of milliseconds. Fractions are allowed (`'1.5s'`).
 */
export type Duration = number | string;

// errors (L0) formats durations with this file and this file refuses bad ones with CONFIG_INVALID:
// the cycle is safe because neither module calls the other while it is being loaded.

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/** Parses a duration to milliseconds; a value that is not one is CONFIG_INVALID naming `name`. */
export function parseDuration(value: Duration, name = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw configError(
        name,
        [
          'must be a duration: a number of milliseconds of 0 or more',
          'doit être une durée : un nombre de millisecondes positif ou nul',
        ],
        value,
      );
    return value;
  }
  const notDuration = () =>
    configError(
      name,
      [
        "must be a duration such as '500ms', '5s', '10m', '1h30m' or '2d'",
        "doit être une durée comme '500ms', '5s', '10m', '1h30m' ou '2d'",
      ],
      value,
    );
  if (typeof value !== 'string') throw notDuration();
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  part.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match !== null; match = part.exec(text)) {
    total += Number(match[1]) * unitMs[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) throw notDuration();
  return total;
}

/** Like parseDuration, for optional options: undefined stays undefined. */
export function parseOptionalDuration(value: Duration | undefined, name: string): number | undefined {
  return value === undefined ? undefined : parseDuration(value, name);
}

const humanUnits = [
  { ms: 86_400_000, en: 'd', fr: 'j' },
  { ms: 3_600_000, en: 'h', fr: 'h' },
  { ms: 60_000, en: 'min', fr: 'min' },
  { ms: 1000, en: 's', fr: 's' },
] as const;

/**
 * A duration for people: `'1 h 5 min'`, `'53 s'`, `'1.1 s'`, `'250 ms'`. At most two units, so
 * a diagnosis stays readable. French uses `j` for days and a decimal comma.
 */
export function formatDuration(ms: number, locale: 'en' | 'fr' = 'en'): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 10_000) {
    const seconds = (Math.round(abs / 100) / 10).toString();
    return `${sign}${locale === 'fr' ? seconds.replace('.', ',') : seconds} s`;
  }
  const parts: string[] = [];
  let rest = Math.round(abs / 1000) * 1000;
  for (const unit of humanUnits) {
    const count = Math.floor(rest / unit.ms);
    rest -= count * unit.ms;
    if (parts.length === 0 && count === 0) continue;
    if (count > 0) parts.push(`${count} ${unit[locale]}`);
    // Two units at most, and none after a zero one: '1 h 5 min', '2 h', never '2 h 0 min 3 s'.
    if (parts.length === 2 || count === 0) break;
  }
  return sign + parts.join(' ');
}
