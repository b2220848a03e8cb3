import type { Logger } from '../runtime/logger.js';
import { AmqpAdapter } from './amqp-adapter.js';
import type { BusAdapter } from './bus-adapter.js';
import type { ResolvedBusOptions } from './bus-options.js';
import { NatsAdapter } from './nats-adapter.js';

/** The adapter for the broker named by `bus.source`'s scheme. */
export function createAdapter(options: ResolvedBusOptions, logger: Logger): BusAdapter {
  const common = { url: options.url, safeUrl: options.safeUrl, inflight: options.inflight, logger };
  switch (options.broker) {
    case 'nats':
      return new NatsAdapter({ ...common, ackWaitMs: options.ackWaitMs });
    case 'rabbitmq':
      return new AmqpAdapter({ ...common, routes: options.routes.length });
    default: {
      const never: never = options.broker;
      throw new Error(`unknown broker ${String(never)}`);
    }
  }
}
