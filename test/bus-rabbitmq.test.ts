import { describe } from 'vitest';
import { rabbitKit } from './support/bus-brokers.js';
import { busSuite } from './support/bus-suite.js';

describe('bus ingress from RabbitMQ (127.0.0.1:5672)', () => {
  busSuite(rabbitKit);
});
