import type { HoldfastOptions } from './create-holdfast.js';

/** What a `holdfast.config.js` exports: the options of createHoldfast (the database may come from the environment). */
export type HoldfastConfig = Omit<HoldfastOptions, 'database'> & { readonly database?: string };

/** Types a configuration file: `export default defineConfig({ pipelines, providers, budgets, bus })`. */
export function defineConfig(config: HoldfastConfig): HoldfastConfig {
  return config;
}
