import { configError } from '../errors/config-error.js';
import type { SimulatorOptions } from './simulator.js';

/**
 * Checks a simulator's options before it listens: a bad one is CONFIG_INVALID naming it (a port
 * out of range, a negative delay, a Keepa bucket that never refills), not a server that starts
 * and then misbehaves in a way nobody asked for.
 */
export function checkSimulatorOptions(options: SimulatorOptions): void {
  const whole = (name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (value === undefined) return;
    if (!(Number.isInteger(value) && value >= min && value <= max)) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
      const rangeFr = max === Number.MAX_SAFE_INTEGER ? `supérieur ou égal à ${min}` : `de ${min} à ${max}`;
      throw configError(
        name,
        [`must be a whole number ${range}`, `doit être un nombre entier ${rangeFr}`],
        value,
      );
    }
  };
  const positive = (name: string, value: number | undefined, zeroAllowed: boolean) => {
    if (value === undefined) return;
    if (!(Number.isFinite(value) && (zeroAllowed ? value >= 0 : value > 0))) {
      throw configError(
        name,
        zeroAllowed
          ? ['must be a number of 0 or more', 'doit être un nombre positif ou nul']
          : ['must be a number above 0', 'doit être un nombre strictement positif'],
        value,
      );
    }
  };
  whole('port', options.port, 0, 65_535);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host.trim() === ''))
    throw configError(
      'host',
      ['must be an address to listen on', "doit être une adresse d'écoute"],
      options.host,
    );
  whole('seed', options.seed, 0);
  positive('chunkDelayMs', options.chunkDelayMs, true);
  whole('logCapacity', options.logCapacity, 1);
  whole('maxBodyBytes', options.maxBodyBytes, 1);
  const keepa = options.keepa ?? {};
  whole('keepa.capacity', keepa.capacity, 1);
  whole('keepa.refillAmount', keepa.refillAmount, 1);
  positive('keepa.refillEveryMs', keepa.refillEveryMs, false);
  whole('keepa.costPerAsin', keepa.costPerAsin, 0);
  whole('keepa.initial', keepa.initial, 0, keepa.capacity ?? 300);
}
