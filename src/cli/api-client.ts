import { HoldfastError } from '../errors/holdfast-error.js';

/** The network failed before the server answered (it stopped meanwhile). */
export class ServerUnreachable extends Error {}

/** A small client of the HTTP API for the CLI: JSON in, JSON out, errors back as HoldfastErrors. */
export class ApiClient {
  readonly #url: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.#url = url;
    this.#token = token;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new ServerUnreachable(`${this.#url} did not answer: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const envelope = (json as { error?: Record<string, unknown> } | undefined)?.error;
      throw HoldfastError.fromJSON(
        envelope ?? { code: 'INTERNAL', details: { reason: `HTTP ${response.status}` } },
      );
    }
    return json as T;
  }
}
