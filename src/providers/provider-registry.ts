import type { BreakerEvent } from '../resilience/circuit-breaker.js';
import type { Clock } from '../time/clock.js';
import type { Adapter } from './adapter.js';
import { anthropicAdapter } from './adapters/anthropic.js';
import { geminiAdapter } from './adapters/gemini.js';
import { httpAdapter } from './adapters/http.js';
import { openaiAdapter } from './adapters/openai.js';
import type { BudgetGate } from './budget-gate.js';
import { ProviderClient } from './provider-client.js';
import { type ProviderOptions, resolveProviderConfig } from './provider-config.js';
import type { ProviderKind } from './provider-types.js';

const adapters: Record<ProviderKind, Adapter> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  http: httpAdapter,
};

export interface ProviderRegistryOptions {
  readonly clock?: Clock;
  readonly gate?: BudgetGate;
  readonly random?: () => number;
  readonly onBreakerEvent?: (provider: string, event: BreakerEvent) => void;
}

/**
 * Creates one guarded client per configured provider. Options are checked at once (a bad one is
 * a RangeError naming it); a fallback must name another provider of the same kind.
 */
export function createProviders(
  providers: Readonly<Record<string, ProviderOptions>>,
  options: ProviderRegistryOptions = {},
): Map<string, ProviderClient> {
  const configs = Object.entries(providers).map(([name, o]) => resolveProviderConfig(name, o));
  const clients = new Map<string, ProviderClient>();
  for (const config of configs) {
    if (config.fallback !== undefined) {
      const target = configs.find((c) => c.name === config.fallback);
      if (!target)
        throw new RangeError(
          `providers.${config.name}.fallback names '${config.fallback}', which is not configured`,
        );
      if (target.kind !== config.kind) {
        throw new RangeError(
          `providers.${config.name}.fallback must be of the same kind ('${config.kind}'), '${target.name}' is '${target.kind}'`,
        );
      }
      if (target.name === config.name)
        throw new RangeError(`providers.${config.name}.fallback cannot be itself`);
    }
    clients.set(
      config.name,
      new ProviderClient({
        config,
        adapter: adapters[config.kind],
        clock: options.clock,
        gate: options.gate,
        random: options.random,
        onBreakerEvent: options.onBreakerEvent,
        fallback: config.fallback ? () => clients.get(config.fallback!) : undefined,
      }),
    );
  }
  return clients;
}
