/** Recent calls of one provider: a ring of durations and outcomes. */
interface Ring {
  readonly durations: number[];
  readonly failed: boolean[];
  next: number;
  count: number;
  lastAt: string | null;
}

const size = 200;

/**
 * Latency and error rate of each provider's recent calls (the last 200), from the `step:call`
 * events this process sees — on PostgreSQL, those of every worker of the deployment.
 */
export class ProviderLatency {
  readonly #rings = new Map<string, Ring>();

  record(provider: string, durationMs: number, ok: boolean, at: string): void {
    let ring = this.#rings.get(provider);
    if (!ring) {
      ring = { durations: [], failed: [], next: 0, count: 0, lastAt: null };
      this.#rings.set(provider, ring);
    }
    ring.durations[ring.next] = durationMs;
    ring.failed[ring.next] = !ok;
    ring.next = (ring.next + 1) % size;
    ring.count = Math.min(size, ring.count + 1);
    ring.lastAt = at;
  }

  of(provider: string): {
    calls: number;
    p50Ms: number | null;
    p95Ms: number | null;
    errorRate: number | null;
    lastCallAt: string | null;
  } {
    const ring = this.#rings.get(provider);
    if (!ring || ring.count === 0)
      return { calls: 0, p50Ms: null, p95Ms: null, errorRate: null, lastCallAt: null };
    const sorted = ring.durations.slice(0, ring.count).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const failures = ring.failed.slice(0, ring.count).filter(Boolean).length;
    return {
      calls: ring.count,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      errorRate: Math.round((failures / ring.count) * 1000) / 1000,
      lastCallAt: ring.lastAt,
    };
  }
}
