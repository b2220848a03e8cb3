import type { Fault, FaultMode, FaultRule, ProviderName } from './fault.js';
import { checkFaultRule } from './fault-spec.js';
import { hash32, prng } from './prng.js';

export interface RequestTarget {
  readonly provider: ProviderName;
  readonly route: string;
  readonly apiKey: string | undefined;
}

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  readonly mode: FaultMode;
  readonly random: () => number;
  remaining: number;
  fired: number;
  matched: number;
}

/** What happens to one request: extra delay, and at most one failure. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly fault: Fault | undefined;
  /** Ids of the rules that fired. */
  readonly rules: readonly number[];
}

/**
 * Decides, per request, which faults apply. Rules are checked in order; each has its own
 * generator seeded from the simulator's seed and its position, so decisions depend only on the
 * seed and on the order of the requests that match it. Latency rules add up; the first failure
 * rule that fires wins.
 */
export class FaultInjector {
  #rules: ActiveRule[] = [];
  #nextId = 1;
  #seed: number;
  #startedAt: number;
  readonly #now: () => number;

  constructor(seed: number, now: () => number) {
    this.#seed = seed;
    this.#now = now;
    this.#startedAt = now();
  }

  add(rules: readonly FaultRule[]): number[] {
    return rules.map((rule) => {
      const id = this.#nextId++;
      const mode = rule.mode ?? { kind: 'always' };
      checkFaultRule(rule);
      this.#rules.push({
        id,
        rule,
        mode,
        random: prng(hash32(`rule:${id}`, this.#seed)),
        remaining: mode.kind === 'next' ? mode.n : Number.POSITIVE_INFINITY,
        fired: 0,
        matched: 0,
      });
      return id;
    });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Forgets rules and restarts time windows and generators from the seed. */
  reset(seed = this.#seed): void {
    this.#seed = seed;
    this.#rules = [];
    this.#nextId = 1;
    this.#startedAt = this.#now();
  }

  list() {
    return this.#rules.map((r) => ({
      id: r.id,
      ...r.rule,
      mode: r.mode,
      matched: r.matched,
      fired: r.fired,
      ...(r.mode.kind === 'next' ? { remaining: r.remaining } : {}),
    }));
  }

  decide(target: RequestTarget): FaultDecision {
    if (this.#rules.length === 0) return noFault;
    let delayMs = 0;
    let fault: Fault | undefined;
    const rules: number[] = [];
    const elapsed = this.#now() - this.#startedAt;
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.provider !== undefined && rule.provider !== target.provider) continue;
      if (rule.route !== undefined && rule.route !== target.route) continue;
      if (rule.apiKey !== undefined && rule.apiKey !== target.apiKey) continue;
      // A failure rule after one already fired is not consulted, so it keeps its budget.
      if (fault !== undefined && rule.fault.kind !== 'latency') continue;
      active.matched += 1;
      if (!fires(active, elapsed)) continue;
      active.fired += 1;
      rules.push(active.id);
      if (rule.fault.kind === 'latency') delayMs += latency(rule.fault, active.random);
      else fault = rule.fault;
    }
    return { delayMs, fault, rules };
  }
}

const noFault: FaultDecision = Object.freeze({ delayMs: 0, fault: undefined, rules: [] });

function fires(active: ActiveRule, elapsed: number): boolean {
  const { mode } = active;
  switch (mode.kind) {
    case 'always':
      return true;
    case 'probability':
      return active.random() < mode.p;
    case 'next':
      if (active.remaining <= 0) return false;
      active.remaining -= 1;
      return true;
    case 'window':
      return elapsed >= mode.fromMs && elapsed < mode.toMs;
    default: {
      const never: never = mode;
      throw new Error(`unknown mode ${JSON.stringify(never)}`);
    }
  }
}

function latency(fault: Extract<Fault, { kind: 'latency' }>, random: () => number): number {
  if (fault.mean !== undefined) return Math.round(-Math.log(1 - random()) * fault.mean);
  if (fault.min !== undefined && fault.max !== undefined)
    return Math.round(fault.min + random() * (fault.max - fault.min));
  return fault.ms ?? 0;
}
