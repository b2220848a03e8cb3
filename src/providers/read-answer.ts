import type { Dispatcher } from 'undici';
import { holdfastError } from '../errors/holdfast-error.js';
import { flattenHeaders } from './flatten-headers.js';

/** A provider's answer, read whole and parsed. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly body: unknown;
  /** Said it was JSON and was not: a 2xx like that was billed but cannot be used. */
  readonly parseError: boolean;
}

/** A 2xx whose body could be read. */
export function succeeded(answer: Answer): boolean {
  return answer.status < 300 && !answer.parseError;
}

/**
 * Reads an answer, refusing to buffer more than `maxBytes` (a runaway body would otherwise take
 * the process's memory with it).
 */
export async function readAnswer(
  response: Dispatcher.ResponseData,
  limits: { provider: string; maxBytes: number },
): Promise<Answer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limits.maxBytes) {
      response.body.destroy();
      throw holdfastError(
        'PROVIDER_ERROR',
        {
          provider: limits.provider,
          status: response.statusCode,
          providerMessage: `answer larger than maxResponseBytes (${limits.maxBytes} bytes)`,
        },
        { retryable: false },
      );
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const headers = flattenHeaders(response.headers);
  let body: unknown = text;
  let parseError = false;
  if (text.length > 0 && (headers['content-type'] ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      parseError = true;
    }
  } else if (response.statusCode < 300 && text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the body stays text.
    }
  }
  return { status: response.statusCode, headers, text, body, parseError };
}
