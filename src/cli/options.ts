import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../time/duration.js';

/** Commander parser for whole-number options. */
export function parseIntOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number.');
  return n;
}

/** Commander parser for durations ('250ms', '5s', '10m') to milliseconds. */
export function parseMsOption(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}
