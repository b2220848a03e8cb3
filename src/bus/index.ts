/**
 * The bus ingress: jobs from a message broker (NATS JetStream, RabbitMQ). Not re-exported from the
 * package's entry point yet: `createHoldfast({ bus })` and `holdfast start|worker` will start it.
 */
export type { BusAdapter, ConsumeSpec, Delivery, OutgoingMessage } from './bus-adapter.js';
export type { BusIngress, BusIngressContext, BusState, BusStatus } from './bus-ingress.js';
export { startBusIngress } from './bus-ingress.js';
export type { BusMessage, BusSubmission } from './bus-message.js';
export type { BrokerKind, BusOptions, BusRouteOptions } from './bus-options.js';
export { busDefaults, resolveBusOptions } from './bus-options.js';
export type { DeadLetterBody } from './dead-letter.js';
export type { JobOutcome, PublishOutcome } from './job-outcome.js';
export type { RouteStats } from './route-intake.js';
