export type { Clock, TimerHandle } from './clock.js';
export { systemClock } from './clock.js';
export type { Deadline } from './deadline.js';
export { deadlineIn, earliestDeadline, remainingMs } from './deadline.js';
export type { Duration } from './duration.js';
export { formatDuration, parseDuration, parseOptionalDuration } from './duration.js';
export { FakeClock } from './fake-clock.js';
export { abortReason, sleep } from './sleep.js';
