export type { BudgetGate, BudgetHold, CallCost } from './budget-gate.js';
export { InMemoryBudgetGate } from './budget-gate.js';
export { ProviderClient } from './provider-client.js';
export type { HttpAnswer, ProviderOptions } from './provider-config.js';
export { createProviders } from './provider-registry.js';
export type {
  BudgetContext,
  CallAttempt,
  CallOptions,
  ProviderKind,
  ProviderRequest,
  ProviderResponse,
  ProviderStream,
  Usage,
} from './provider-types.js';
