import { configError } from '../errors/config-error.js';
import { type Duration, parseDuration } from '../time/duration.js';

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
  /**
   * Group-commit transactions in flight at once (default 1). More lanes help when staged writes
   * are slow SQL; for short writes one lane with larger batches is faster.
   */
  readonly commitLanes?: number;
}

export interface ResolvedWorkerOptions {
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  readonly pollMs: number;
  readonly progressIntervalMs: number;
  readonly compensationTimeoutMs: number;
  readonly batchSize: number;
  readonly commitLanes: number | undefined;
}

export const workerDefaults = {
  concurrency: 10,
  leaseMs: 30_000,
  pollMs: 1000,
  progressIntervalMs: 250,
  compensationTimeoutMs: 60_000,
  batchSize: 256,
} as const;

/** Resolves worker options in one place; a bad value is CONFIG_INVALID naming the option. */
export function resolveWorkerOptions(options: WorkerOptions = {}): ResolvedWorkerOptions {
  const concurrency = options.concurrency ?? workerDefaults.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw configError(
      'worker.concurrency',
      ['must be a whole number from 1 to 10000', 'doit être un nombre entier de 1 à 10 000'],
      concurrency,
    );
  }
  const batchSize = options.batchSize ?? workerDefaults.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw configError(
      'worker.batchSize',
      ['must be a whole number of 1 or more', 'doit être un nombre entier supérieur ou égal à 1'],
      batchSize,
    );
  const leaseMs =
    options.lease === undefined ? workerDefaults.leaseMs : parseDuration(options.lease, 'worker.lease');
  if (leaseMs < 100)
    throw configError('worker.lease', ['must be at least 100ms', 'doit durer au moins 100ms'], options.lease);
  const heartbeatMs =
    options.heartbeat === undefined
      ? Math.floor(leaseMs / 3)
      : parseDuration(options.heartbeat, 'worker.heartbeat');
  if (heartbeatMs <= 0 || heartbeatMs >= leaseMs) {
    throw configError(
      'worker.heartbeat',
      [
        `must be above 0 and shorter than worker.lease (${leaseMs} ms)`,
        `doit être supérieur à 0 et plus court que worker.lease (${leaseMs} ms)`,
      ],
      options.heartbeat,
    );
  }
  return {
    concurrency,
    leaseMs,
    heartbeatMs,
    pollMs: options.poll === undefined ? workerDefaults.pollMs : parseDuration(options.poll, 'worker.poll'),
    progressIntervalMs:
      options.progressInterval === undefined
        ? workerDefaults.progressIntervalMs
        : parseDuration(options.progressInterval, 'worker.progressInterval'),
    compensationTimeoutMs:
      options.compensationTimeout === undefined
        ? workerDefaults.compensationTimeoutMs
        : parseDuration(options.compensationTimeout, 'worker.compensationTimeout'),
    batchSize,
    commitLanes: checkLanes(options.commitLanes),
  };
}

function checkLanes(lanes: number | undefined): number | undefined {
  if (lanes !== undefined && (!Number.isInteger(lanes) || lanes < 1 || lanes > 64)) {
    throw configError(
      'worker.commitLanes',
      ['must be a whole number from 1 to 64', 'doit être un nombre entier de 1 à 64'],
      lanes,
    );
  }
  return lanes;
}
