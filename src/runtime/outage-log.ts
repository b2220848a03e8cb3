import { isStoreOutage } from '../store/database-failure.js';
import type { Store, StoreHealth } from '../store/store.js';
import type { Logger } from './logger.js';

/** While the database stays down, one reminder per this period. */
const reminderMs = 60_000;

/**
 * Reports database outages in the log the way an operator wants to read them: one line when the
 * connection is lost, one a minute while it stays down, one on recovery with the outage's length —
 * never one per failed query. Returns the function that stops it.
 */
export function logOutages(store: Store, logger: Logger): () => void {
  let reminder: NodeJS.Timeout | undefined;
  const stopReminder = () => {
    if (reminder) clearInterval(reminder);
    reminder = undefined;
  };
  const unsubscribe = store.onHealthChange((health: StoreHealth, previous: StoreHealth) => {
    if (health.state === 'down') {
      logger.warn(
        { err: health.error, database: store.description },
        `database unavailable (${health.error.message}); work pauses and resumes by itself when it is back`,
      );
      stopReminder();
      reminder = setInterval(() => {
        const current = store.health;
        if (current.state !== 'down') return stopReminder();
        logger.warn(
          { database: store.description, downForMs: Date.now() - current.since },
          `database still unavailable after ${Math.round((Date.now() - current.since) / 1000)} s`,
        );
      }, reminderMs);
      reminder.unref();
    } else if (previous.state === 'down') {
      stopReminder();
      const outageMs = Date.now() - previous.since;
      logger.warn(
        { database: store.description, outageMs },
        `database available again after ${(outageMs / 1000).toFixed(1)} s`,
      );
    }
  });
  return () => {
    unsubscribe();
    stopReminder();
  };
}

/**
 * The logger the runtime's parts write to: everything passes, except warnings and errors caused
 * by a store outage — those go to `debug`. During an outage every poll, heartbeat, commit and
 * reaper run fails with the same DATABASE_UNAVAILABLE; `logOutages` already says it, once.
 */
export function quietDuringOutages(logger: Logger): Logger {
  const outage = (obj: object) => isStoreOutage((obj as { err?: unknown }).err);
  return {
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: (obj, msg) => (outage(obj) ? logger.debug(obj, msg) : logger.warn(obj, msg)),
    error: (obj, msg) => (outage(obj) ? logger.debug(obj, msg) : logger.error(obj, msg)),
  };
}
