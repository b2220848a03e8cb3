/**
 * The simulator's tokenizer. Real tokenizers differ per model; what matters here is that one
 * count is used everywhere — in usage fields, in countTokens answers and in the simulator's own
 * ledger — so a client's metering can be checked to the token.
 *
 * Rule: every word (letters, digits, '_') counts one token per started 4 characters; every other
 * non-space character (punctuation, symbols) counts one.
 */
export function countTokens(text: string): number {
  let count = 0;
  let word = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isWordChar(c, text, i)) {
      word += 1;
      continue;
    }
    if (word > 0) {
      count += Math.ceil(word / 4);
      word = 0;
    }
    if (!isSpace(c)) count += 1;
  }
  if (word > 0) count += Math.ceil(word / 4);
  return count;
}

function isWordChar(c: number, text: string, i: number): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) return true;
  if (c < 128) return false;
  // Outside ASCII: letters and digits of any script (é, ü, 中…) are word characters.
  return /[\p{L}\p{N}]/u.test(text[i]!);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029 || c === 0x202f;
}

/** Extracts the text of a message's content in any of the providers' shapes. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(contentText).join(' ');
  if (content && typeof content === 'object') {
    const part = content as Record<string, unknown>;
    if (typeof part.text === 'string') return part.text;
    if (part.content !== undefined) return contentText(part.content);
    if (Array.isArray(part.parts)) return contentText(part.parts);
  }
  return '';
}

/** The longest prefix of `text` that counts at most `max` tokens (what a model sends before it is cut off). */
export function truncateToTokens(text: string, max: number): string {
  if (countTokens(text) <= max) return text;
  // Token counts only grow as a prefix grows, so the cut can be found by bisection.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (countTokens(text.slice(0, mid)) <= max) low = mid;
    else high = mid - 1;
  }
  return text.slice(0, low);
}
