import type { ResolvedWorkerOptions } from '../config/worker-options.js';
import type { EventBus } from '../events/event-bus.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { JobCommitter } from './job-committer.js';
import type { Logger } from './logger.js';

/** What the parts of the runtime share: created once by createHoldfast when the database opens. */
export interface RuntimeServices {
  readonly store: Store;
  readonly bus: EventBus;
  /** The group commit of running jobs' transitions. */
  readonly committer: JobCommitter;
  readonly clock: Clock;
  readonly options: ResolvedWorkerOptions;
  /** Identifies this process in leases and events. */
  readonly workerId: string;
  readonly logger: Logger;
  /** Source of randomness for jitter (injectable for reproducible tests). */
  readonly random: () => number;
}
