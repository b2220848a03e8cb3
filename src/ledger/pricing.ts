/** USD per million tokens. `cached` is the price of cached input tokens (defaults to `input`). */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cached?: number;
}

/** Prices per provider kind, then per model (or a prefix of it; '*' for any model). */
export type PricingTable = Readonly<Record<string, Readonly<Record<string, ModelPrice>>>>;

/**
 * Public list prices at the time of writing, USD per million tokens. Prices change: set your own
 * with `budgets.pricing`, which is merged over this table.
 */
export const defaultPricing: PricingTable = {
  openai: {
    'gpt-4o-mini': { input: 0.15, output: 0.6, cached: 0.075 },
    'gpt-4o': { input: 2.5, output: 10, cached: 1.25 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6, cached: 0.1 },
    'gpt-4.1': { input: 2, output: 8, cached: 0.5 },
    'o4-mini': { input: 1.1, output: 4.4, cached: 0.275 },
    'text-embedding-3-small': { input: 0.02, output: 0 },
    'text-embedding-3-large': { input: 0.13, output: 0 },
  },
  anthropic: {
    'claude-haiku-4-5': { input: 1, output: 5, cached: 0.1 },
    'claude-sonnet-4': { input: 3, output: 15, cached: 0.3 },
    'claude-opus-4': { input: 15, output: 75, cached: 1.5 },
  },
  gemini: {
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cached: 0.075 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cached: 0.31 },
    'gemini-embedding-001': { input: 0.15, output: 0 },
  },
};

/** Merges user prices over the defaults, per provider. */
export function mergePricing(base: PricingTable, extra: PricingTable | undefined): PricingTable {
  if (!extra) return base;
  const out: Record<string, Record<string, ModelPrice>> = {};
  for (const [provider, models] of Object.entries(base)) out[provider] = { ...models };
  for (const [provider, models] of Object.entries(extra)) out[provider] = { ...out[provider], ...models };
  return out;
}

/** The price of a model: exact name, else the longest prefix ('gpt-4o-mini-2024-07-18' → 'gpt-4o-mini'), else '*'. */
export function priceOf(
  table: PricingTable,
  provider: string,
  model: string | undefined,
): ModelPrice | undefined {
  const models = table[provider];
  if (!models) return undefined;
  if (model !== undefined) {
    if (models[model]) return models[model];
    let best: string | undefined;
    for (const name of Object.keys(models)) {
      if (name !== '*' && model.startsWith(name) && (best === undefined || name.length > best.length))
        best = name;
    }
    if (best !== undefined) return models[best];
  }
  return models['*'];
}

/** The cost of some tokens in USD (cached input at its own price). */
export function costUsd(
  price: ModelPrice,
  tokens: { input: number; output: number; cached: number },
): number {
  const cached = Math.min(tokens.cached, tokens.input);
  const usd =
    ((tokens.input - cached) * price.input +
      cached * (price.cached ?? price.input) +
      tokens.output * price.output) /
    1e6;
  // Micro-dollar precision, as stored.
  return Math.ceil(usd * 1e6) / 1e6;
}
