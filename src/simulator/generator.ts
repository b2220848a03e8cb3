import { hash32, prng } from './prng.js';
import { countTokens } from './tokens.js';

const vocabulary = (
  'the tender requires a certified supplier with proven delivery capacity and clear pricing terms ' +
  'our analysis found three risks in the contract schedule penalties and payment milestones ' +
  'the product ranks well in its category with stable prices steady demand and few sellers ' +
  'documents were processed into sections each summarised with key requirements and deadlines ' +
  'recommended next steps are to confirm quantities review the warranty and request a sample'
).split(' ');

/** Token cost of each vocabulary word, computed once. */
const costs = vocabulary.map((word) => countTokens(word));

/**
 * A deterministic completion: the same seed, model and prompt always give the same words. Its
 * length in tokens is between 8 and 48, never above `maxTokens`.
 */
export function completion(
  seed: number,
  model: string,
  prompt: string,
  maxTokens: number | undefined,
): {
  text: string;
  tokens: number;
  truncated: boolean;
} {
  const random = prng(hash32(`${model}\u0000${prompt}`, seed));
  const wanted = 8 + Math.floor(random() * 41);
  const limit = maxTokens === undefined ? wanted : Math.max(1, Math.min(wanted, maxTokens));
  // The closing period is a token too: words fill what is left of the limit before it.
  const budget = limit > 1 ? limit - 1 : 1;
  const words: string[] = [];
  let tokens = 0;
  while (tokens < budget) {
    const index = Math.floor(random() * vocabulary.length);
    const word = vocabulary[index]!;
    const cost = costs[index]!;
    if (tokens + cost > budget) {
      if (words.length > 0) break;
      continue;
    }
    words.push(word);
    tokens += cost;
  }
  const text = limit > 1 ? `${words.join(' ')}.` : words.join(' ');
  // Words are separated by spaces, so the text's count is the words' plus the period's.
  return {
    text,
    tokens: tokens + (limit > 1 ? 1 : 0),
    truncated: maxTokens !== undefined && wanted > maxTokens,
  };
}

/** `count` words of the simulator's vocabulary, drawn from `random`. */
export function words(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
}

/** Splits a completion into stream deltas of a few words each. */
export function deltas(text: string): string[] {
  const words = text.split(' ');
  const out: string[] = [];
  for (let i = 0; i < words.length; i += 3) out.push((i === 0 ? '' : ' ') + words.slice(i, i + 3).join(' '));
  return out;
}

/**
 * A unit-length embedding derived from the text alone (and the seed): identical texts get
 * identical vectors, different texts different ones.
 */
export function embedding(seed: number, text: string, dimensions: number): number[] {
  const random = prng(hash32(text, seed));
  const values = new Array<number>(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const v = random() * 2 - 1;
    values[i] = v;
    norm += v * v;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) values[i] = Math.round(values[i]! * scale * 1e6) / 1e6;
  return values;
}

/** Default embedding sizes by model name, as the real models have. */
export function embeddingDimensions(model: string, requested: number | undefined): number {
  if (requested !== undefined && requested > 0) return Math.min(requested, 4096);
  if (model.includes('3-large')) return 3072;
  if (model.startsWith('text-embedding')) return 1536;
  return 768;
}

/** The float32 little-endian base64 form OpenAI returns for encoding_format: 'base64'. */
export function toBase64Floats(values: readonly number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buffer.writeFloatLE(values[i]!, i * 4);
  return buffer.toString('base64');
}
