import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';
import { defaults } from './defaults.js';

export interface WorkerOptions {
  /** Jobs run at once by this process (default 10). */
  readonly concurrency?: number;
  /** How long a claimed job stays ours without a heartbeat (default 30 s). */
  readonly lease?: Duration;
  /** Heartbeat period (default a third of the lease). */
  readonly heartbeat?: Duration;
  /** Look for due jobs at least this often, in case a wake-up was missed (default 1 s). */
  readonly poll?: Duration;
  /** At most one progress event per step per this period (default 250 ms); the last always lands. */
  readonly progressInterval?: Duration;
  /** Longest a compensation may run (default 60 s). */
  readonly compensationTimeout?: Duration;
  /** Group-commit batch limit (default 256 operations per transaction). */
  readonly batchSize?: number;
}

export interface ResolvedWorkerOptions {
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly progressIntervalMs: number;
  readonly compensationTimeoutMs: number;
  readonly batchSize: number;
}

/** Resolves worker options; a bad value throws CONFIG_INVALID naming the option. */
export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  const d = defaults.worker;
  const concurrency = options.concurrency ?? d.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw configError(
      'worker.concurrency',
      ['must be an integer from 1 to 10000', 'doit être un entier de 1 à 10 000'],
      concurrency,
    );
  }
  const batchSize = options.batchSize ?? d.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw configError(
      'worker.batchSize',
      ['must be a positive integer', 'doit être un entier positif'],
      batchSize,
    );
  }
  const leaseMs = duration(options.lease, 'worker.lease', d.leaseMs);
  if (leaseMs < 100) {
    throw configError(
      'worker.lease',
      ['must be at least 100ms', 'doit durer au moins 100 ms'],
      options.lease,
    );
  }
  const heartbeatMs = duration(options.heartbeat, 'worker.heartbeat', Math.floor(leaseMs * d.heartbeatShare));
  if (heartbeatMs <= 0 || heartbeatMs >= leaseMs) {
    throw configError(
      'worker.heartbeat',
      [
        `must be shorter than worker.lease (${leaseMs} ms)`,
        `doit être plus court que worker.lease (${leaseMs} ms)`,
      ],
      options.heartbeat,
    );
  }
  return {
    concurrency,
    leaseMs,
    heartbeatMs,
    pollMs: duration(options.poll, 'worker.poll', d.pollMs),
    progressIntervalMs: duration(options.progressInterval, 'worker.progressInterval', d.progressIntervalMs),
    compensationTimeoutMs: duration(
      options.compensationTimeout,
      'worker.compensationTimeout',
      d.compensationTimeoutMs,
    ),
    batchSize,
  };
}

function duration(value: Duration | undefined, option: string, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value, option);
}
