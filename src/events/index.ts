export type { EventFilter, EventListener } from './event-bus.js';
export { EventBus, matches } from './event-bus.js';
export type { ReplayOptions } from './event-log.js';
export { appendEvents, eventsChannel, readEventRows, readEventsById, replayEvents } from './event-log.js';
export type {
  AnyHoldfastEvent,
  AnyNewEvent,
  EventType,
  HoldfastEvent,
  HoldfastEventMap,
  NewEvent,
  ProgressPayload,
  QuotaPayload,
} from './event-map.js';
export { eventTypes } from './event-map.js';
