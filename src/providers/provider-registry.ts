import { configError } from '../errors/config-error.js';
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
import type { Environment } from './provider-env.js';
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
  /** Where the SDKs' variables (OPENAI_BASE_URL, OPENAI_API_KEY…) are read (default process.env). */
  readonly env?: Environment;
}

/**
 * Creates one guarded client per configured provider. Options are checked at once (a bad one is
 * CONFIG_INVALID naming it, a missing key included); a fallback must name another provider of the
 * same kind.
 */
export function createProviders(
  providers: Readonly<Record<string, ProviderOptions>>,
  options: ProviderRegistryOptions = {},
): Map<string, ProviderClient> {
  const configs = Object.entries(providers).map(([name, o]) => resolveProviderConfig(name, o, options.env));
  const clients = new Map<string, ProviderClient>();
  for (const config of configs) {
    if (config.fallback !== undefined) {
      const target = configs.find((c) => c.name === config.fallback);
      const option = `providers.${config.name}.fallback`;
      const known = configs.map((c) => c.name).join(', ');
      if (!target)
        throw configError(
          option,
          [
            `names a provider that is not configured (configured: ${known})`,
            `désigne un fournisseur qui n'est pas configuré (configurés : ${known})`,
          ],
          config.fallback,
        );
      if (target.kind !== config.kind)
        throw configError(
          option,
          [
            `must name a provider of the same kind ('${config.kind}'); '${target.name}' is '${target.kind}'`,
            `doit désigner un fournisseur du même type ('${config.kind}') ; '${target.name}' est de type '${target.kind}'`,
          ],
          config.fallback,
        );
      if (target.name === config.name)
        throw configError(
          option,
          ['cannot name the provider itself', 'ne peut pas désigner le fournisseur lui-même'],
          config.fallback,
        );
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
