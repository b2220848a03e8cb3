export type { Fault, FaultKind, FaultMode, FaultRule, ProviderName } from './fault.js';
export { faultKinds, providerNames } from './fault.js';
export { parseFaultSpec } from './fault-spec.js';
export type { KeepaOptions } from './providers/keepa.js';
export type { LoggedRequest, Usage } from './request-log.js';
export type { Simulator, SimulatorOptions } from './simulator.js';
export { startSimulator } from './simulator.js';
export { countTokens } from './tokens.js';
