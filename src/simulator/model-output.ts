import { completion } from './generator.js';
import { freeJsonObject, jsonFromSchema } from './json-from-schema.js';
import { hash32, prng } from './prng.js';
import { countTokens, truncateToTokens } from './tokens.js';

/** A tool the request offers the model, in any provider's terms. */
export interface ToolSpec {
  readonly name: string;
  /** JSON Schema of the arguments (OpenAI `parameters`, Anthropic `input_schema`, Gemini's subset). */
  readonly parameters: unknown;
}

/** What the request asks the model to write. */
export type OutputWish =
  | { readonly kind: 'prose' }
  /** JSON mode: to the schema when there is one, else any JSON object. */
  | { readonly kind: 'json'; readonly schema?: unknown }
  /** A forced tool call (OpenAI `tool_choice: 'required'`, Anthropic `any`, Gemini mode ANY). */
  | { readonly kind: 'tool'; readonly tool: ToolSpec };

/** What the simulated model answers; `tokens` is what is billed as output. */
export type ModelOutput =
  | { readonly kind: 'text'; readonly text: string; readonly tokens: number; readonly truncated: boolean }
  | {
      readonly kind: 'tool';
      readonly name: string;
      /** The arguments as JSON text (cut short when the output limit is reached, like the real thing). */
      readonly arguments: string;
      readonly tokens: number;
      readonly truncated: boolean;
    };

/**
 * The model's answer: prose from the generator, JSON that satisfies the requested schema, or a
 * call to the forced tool with schema-valid arguments. Deterministic in seed, model, prompt and
 * wish; never longer than `maxTokens`.
 */
export function modelOutput(
  seed: number,
  model: string,
  prompt: string,
  maxTokens: number | undefined,
  wish: OutputWish,
): ModelOutput {
  if (wish.kind === 'prose') return { kind: 'text', ...completion(seed, model, prompt, maxTokens) };
  const key = wish.kind === 'tool' ? `tool\u0000${wish.tool.name}` : 'json';
  const random = prng(hash32(`${model}\u0000${key}\u0000${prompt}`, seed));
  const value =
    wish.kind === 'tool'
      ? jsonFromSchema(wish.tool.parameters ?? { type: 'object', properties: {} }, random)
      : wish.schema === undefined
        ? freeJsonObject(random)
        : jsonFromSchema(wish.schema, random);
  const full = JSON.stringify(value);
  const truncated = maxTokens !== undefined && countTokens(full) > maxTokens;
  const text = truncated ? truncateToTokens(full, Math.max(1, maxTokens)) : full;
  const tokens = countTokens(text);
  return wish.kind === 'tool'
    ? { kind: 'tool', name: wish.tool.name, arguments: text, tokens, truncated }
    : { kind: 'text', text, tokens, truncated };
}

/** Splits JSON text into stream deltas of about a dozen characters. */
export function jsonDeltas(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += 12) out.push(text.slice(i, i + 12));
  return out;
}
