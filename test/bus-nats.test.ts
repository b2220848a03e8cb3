import { describe } from 'vitest';
import { natsKit } from './support/bus-brokers.js';
import { busSuite } from './support/bus-suite.js';

describe('bus ingress from NATS JetStream (127.0.0.1:4222)', () => {
  busSuite(natsKit);
});
