import type { ProviderKind } from './provider-types.js';

/** Environment variables as Node gives them (injectable for tests). */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The environment variables each official SDK reads, in its order of precedence. Holdfast reads
 * the same ones, so an application moved from the SDK to Holdfast (or pointed at the simulator
 * with OPENAI_BASE_URL) behaves the same; options given in code win over them.
 *
 * - openai: `OPENAI_BASE_URL` (with its `/v1`, as the SDK expects), `OPENAI_API_KEY`
 * - @anthropic-ai/sdk: `ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`
 * - @google/genai: `GOOGLE_GEMINI_BASE_URL`, `GOOGLE_API_KEY` then `GEMINI_API_KEY` (the SDK
 *   prefers GOOGLE_API_KEY when both are set)
 */
export const providerEnvironment: Readonly<
  Record<ProviderKind, { readonly baseUrl: readonly string[]; readonly apiKey: readonly string[] }>
> = {
  openai: { baseUrl: ['OPENAI_BASE_URL'], apiKey: ['OPENAI_API_KEY'] },
  anthropic: { baseUrl: ['ANTHROPIC_BASE_URL'], apiKey: ['ANTHROPIC_API_KEY'] },
  gemini: { baseUrl: ['GOOGLE_GEMINI_BASE_URL'], apiKey: ['GOOGLE_API_KEY', 'GEMINI_API_KEY'] },
  http: { baseUrl: [], apiKey: [] },
};

/** A value and where it came from (the variable's name), or nothing. */
export interface FromEnvironment {
  readonly value: string;
  readonly variable: string;
}

/** The first of `names` that is set to something other than blanks, as the SDKs read them. */
export function readEnvironment(env: Environment, names: readonly string[]): FromEnvironment | undefined {
  for (const variable of names) {
    const value = env[variable]?.trim();
    if (value) return { value, variable };
  }
  return undefined;
}
