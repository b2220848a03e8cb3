import { LRUCache } from 'lru-cache';
import type { LiveHub } from './live-hub.js';

/**
 * Which pipeline a job belongs to, for streams filtered by pipeline (most events do not say).
 * Learnt from the `job:queued` and `job:started` events that carry it, else read once per job.
 */
export class PipelineOfJob {
  readonly #cache = new LRUCache<string, string>({ max: 50_000 });
  readonly #read: (jobId: string) => Promise<string | undefined>;
  #unsubscribe: (() => void) | undefined;

  constructor(read: (jobId: string) => Promise<string | undefined>) {
    this.#read = read;
  }

  listen(hub: LiveHub): void {
    this.#unsubscribe = hub.onAll((event) => {
      if ((event.type === 'job:queued' || event.type === 'job:started') && event.jobId !== null) {
        this.#cache.set(event.jobId, event.payload.pipeline);
      }
    });
  }

  stop(): void {
    this.#unsubscribe?.();
  }

  async of(jobId: string): Promise<string | undefined> {
    const known = this.#cache.get(jobId);
    if (known !== undefined) return known;
    const read = await this.#read(jobId).catch(() => undefined);
    if (read !== undefined) this.#cache.set(jobId, read);
    return read;
  }
}
