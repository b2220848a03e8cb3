import type { ProviderName } from './fault.js';

export interface Usage {
  readonly input: number;
  readonly output: number;
  readonly cached?: number;
}

export interface LoggedRequest {
  readonly seq: number;
  /** Milliseconds since the simulator started (or was reset). */
  readonly at: number;
  readonly provider: ProviderName;
  readonly route: string;
  readonly method: string;
  readonly path: string;
  readonly model: string | undefined;
  /** Last four characters of the key, enough to tell keys apart in a log. */
  readonly key: string | undefined;
  readonly stream: boolean;
  readonly status: number;
  readonly fault: string | undefined;
  readonly ending: string;
  /** What the simulator charged for this request (zero for refused ones). */
  readonly usage: Usage;
  readonly durationMs: number;
}

interface LedgerEntry {
  requests: number;
  input: number;
  output: number;
  cached: number;
}

/**
 * Everything the simulator saw: attempts per route (exactly — a retried call shows as two), the
 * last `capacity` requests, and its own ledger of the tokens it charged, per provider, model and
 * key. A client's metering can be checked against it to the token.
 */
export class RequestLog {
  #seq = 0;
  /** A ring: the newest `capacity` entries, oldest overwritten first. */
  #entries: LoggedRequest[] = [];
  #next = 0;
  #counts = new Map<string, number>();
  #statuses = new Map<string, number>();
  #ledger = new Map<string, LedgerEntry>();

  constructor(private readonly capacity = 10_000) {}

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Counts an attempt as soon as it arrives (a hanging request is counted too). */
  count(provider: ProviderName, route: string): void {
    const key = `${provider}:${route}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  record(entry: LoggedRequest): void {
    if (this.#entries.length < this.capacity) this.#entries.push(entry);
    else this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.capacity;
    const statusKey = `${entry.provider}:${entry.status}`;
    this.#statuses.set(statusKey, (this.#statuses.get(statusKey) ?? 0) + 1);
    if (entry.usage.input + entry.usage.output > 0) {
      this.#charge(entry.provider, entry.usage);
      this.#charge(`${entry.provider}:${entry.model ?? '-'}`, entry.usage);
      this.#charge(`${entry.provider}@${entry.key ?? '-'}`, entry.usage);
    }
  }

  #charge(key: string, usage: Usage): void {
    let ledger = this.#ledger.get(key);
    if (ledger === undefined) {
      ledger = { requests: 0, input: 0, output: 0, cached: 0 };
      this.#ledger.set(key, ledger);
    }
    ledger.requests += 1;
    ledger.input += usage.input;
    ledger.output += usage.output;
    ledger.cached += usage.cached ?? 0;
  }

  reset(): void {
    this.#seq = 0;
    this.#entries = [];
    this.#next = 0;
    this.#counts.clear();
    this.#statuses.clear();
    this.#ledger.clear();
  }

  snapshot(options: { limit?: number; since?: number } = {}) {
    const since = options.since ?? 0;
    const limit = options.limit ?? 1000;
    const ordered =
      this.#entries.length < this.capacity
        ? this.#entries
        : [...this.#entries.slice(this.#next), ...this.#entries.slice(0, this.#next)];
    const log = ordered.filter((e) => e.seq > since).slice(-limit);
    return {
      total: this.#seq,
      counts: Object.fromEntries(this.#counts),
      statuses: Object.fromEntries(this.#statuses),
      ledger: Object.fromEntries(this.#ledger),
      log,
    };
  }

  /** Attempts received for a provider (and route). */
  attempts(provider: ProviderName, route?: string): number {
    if (route !== undefined) return this.#counts.get(`${provider}:${route}`) ?? 0;
    let total = 0;
    for (const [key, n] of this.#counts) if (key.startsWith(`${provider}:`)) total += n;
    return total;
  }
}
