import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface CachedAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  readonly hitRate: number;
}

/**
 * Successful answers kept for a while, keyed by provider, method, path and a hash of the body.
 * A hit costs no call, no budget and no attempt. Keys read `openai:POST /v1/embeddings:<hash>`,
 * so `invalidate('openai:POST /v1/embeddings:*')` drops every cached embedding.
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, CachedAnswer>;
  #hits = 0;
  #misses = 0;

  constructor(options: { ttlMs: number; max: number }) {
    this.#lru = new LRUCache({
      max: options.max,
      ttl: options.ttlMs,
      ttlAutopurge: false,
      updateAgeOnGet: false,
    });
  }

  static key(provider: string, method: string, path: string, body: string | undefined): string {
    const hash = createHash('sha256')
      .update(body ?? '')
      .digest('base64url')
      .slice(0, 32);
    return `${provider}:${method} ${path}:${hash}`;
  }

  get(key: string): CachedAnswer | undefined {
    const value = this.#lru.get(key);
    if (value === undefined) this.#misses += 1;
    else this.#hits += 1;
    return value;
  }

  set(key: string, answer: CachedAnswer, ttlMs?: number): void {
    this.#lru.set(key, answer, ttlMs === undefined ? undefined : { ttl: ttlMs });
  }

  /** Drops the entries whose key matches a glob (`*` any run of characters, `?` one). Returns how many. */
  invalidate(pattern: string): number {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    let dropped = 0;
    for (const key of [...this.#lru.keys()]) {
      if (regex.test(key)) {
        this.#lru.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  clear(): void {
    this.#lru.clear();
  }

  get stats(): CacheStats {
    const total = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      size: this.#lru.size,
      hitRate: total === 0 ? 0 : this.#hits / total,
    };
  }
}
