/**
 * Helpers for testing code that uses Holdfast: a clock you move by hand (periods, refills,
 * retries and leases follow it), an in-memory budget gate that records every hold, and the
 * provider simulator to point your providers at.
 */
export { InMemoryBudgetGate } from './providers/budget-gate.js';
export type { Simulator, SimulatorOptions } from './simulator/index.js';
export { startSimulator } from './simulator/index.js';
export { FakeClock } from './time/fake-clock.js';
