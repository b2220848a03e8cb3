/**
 * Every default of the runtime, in one place. Options documented elsewhere (`WorkerOptions`,
 * `PipelineOptions`, `HoldfastOptions`) name these values; resolving an option means taking the
 * user's value, checking it, or falling back to the one here.
 */
export const defaults = {
  worker: {
    /** Jobs run at once by one process. */
    concurrency: 10,
    /** How long a claimed job stays ours without a heartbeat. */
    leaseMs: 30_000,
    /** Heartbeat period, as a fraction of the lease. */
    heartbeatShare: 1 / 3,
    /** Look for due jobs at least this often, in case a wake-up was missed. */
    pollMs: 1000,
    /** At most one progress event per step per this period; the last always lands. */
    progressIntervalMs: 250,
    /** Longest a compensation may run. */
    compensationTimeoutMs: 60_000,
    /** Most operations per group commit. */
    batchSize: 256,
    /** `stop()` without `graceMs`: how long running attempts get to finish. */
    graceMs: 10_000,
  },
  pipeline: {
    /** Wall-clock deadline of one run of a job. */
    timeoutMs: 3_600_000,
    /** Attempts in all, the first included. */
    attempts: 3,
  },
  /** How long an idempotency key is remembered (G8). */
  idempotencyTtlMs: 7 * 24 * 3_600_000,
} as const;
