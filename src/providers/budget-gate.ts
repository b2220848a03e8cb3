import { holdfastError } from '../errors/holdfast-error.js';
import type { BudgetContext, Usage } from './provider-types.js';

/** The worst case of a call, reserved before it is made. */
export interface CallCost {
  readonly provider: string;
  readonly model: string | undefined;
  /** Worst-case amount per meter, e.g. { 'openai:tokens': 4_096 + 1_200 }. */
  readonly meters: Readonly<Record<string, number>>;
  /** The worst case split into input and output tokens (for pricing), when known. */
  readonly input?: number | undefined;
  readonly output?: number | undefined;
}

export interface BudgetHold {
  readonly id: string;
  readonly meters: Readonly<Record<string, number>>;
}

/**
 * The port through which the provider client spends budget (G3). Before each call it reserves
 * the call's worst case; after it, it settles what was really used (releasing the rest), or
 * releases everything if nothing was charged. The ledger provides the durable implementation.
 */
export interface BudgetGate {
  /** How much of each meter the caller may still use (Infinity when unlimited). */
  available(context: BudgetContext, meters: readonly string[]): Promise<Record<string, number>>;
  /** Holds the worst case; throws BUDGET_EXCEEDED / QUOTA_EXCEEDED / INSUFFICIENT_TOKENS if it does not fit. */
  reserve(context: BudgetContext, cost: CallCost): Promise<BudgetHold>;
  /** Charges the real usage and releases the rest of the hold. */
  settle(hold: BudgetHold, usage: Usage): Promise<void>;
  /** Releases the whole hold: the call used nothing. */
  release(hold: BudgetHold): Promise<void>;
  /** Corrects balances with what the provider reports (Keepa's tokensLeft), per meter. */
  observe?(context: BudgetContext, balances: Readonly<Record<string, number>>): Promise<void>;
}

/**
 * An in-memory BudgetGate with one limit per meter, for tests and single-process use. It keeps
 * every movement so tests can check that holds were reserved, settled and released.
 */
export class InMemoryBudgetGate implements BudgetGate {
  readonly used = new Map<string, number>();
  readonly reserved = new Map<string, number>();
  readonly log: Array<{ op: 'reserve' | 'settle' | 'release'; id: string; meters: Record<string, number> }> =
    [];
  #next = 1;
  readonly #open = new Map<string, BudgetHold>();

  constructor(private readonly limits: Readonly<Record<string, number>>) {}

  async available(_context: BudgetContext, meters: readonly string[]): Promise<Record<string, number>> {
    return Object.fromEntries(meters.map((m) => [m, this.#left(m)]));
  }

  async reserve(_context: BudgetContext, cost: CallCost): Promise<BudgetHold> {
    for (const [meter, amount] of Object.entries(cost.meters)) {
      const left = this.#left(meter);
      if (amount > left) {
        throw holdfastError('BUDGET_EXCEEDED', {
          meter,
          cap: this.limits[meter] ?? Number.POSITIVE_INFINITY,
          used: (this.used.get(meter) ?? 0) + (this.reserved.get(meter) ?? 0),
          requested: amount,
        });
      }
    }
    const hold: BudgetHold = { id: `hold-${this.#next++}`, meters: { ...cost.meters } };
    for (const [meter, amount] of Object.entries(hold.meters))
      this.reserved.set(meter, (this.reserved.get(meter) ?? 0) + amount);
    this.#open.set(hold.id, hold);
    this.log.push({ op: 'reserve', id: hold.id, meters: { ...hold.meters } });
    return hold;
  }

  async settle(hold: BudgetHold, usage: Usage): Promise<void> {
    if (!this.#close(hold)) return;
    for (const [meter, amount] of Object.entries(usage.meters))
      this.used.set(meter, (this.used.get(meter) ?? 0) + amount);
    this.log.push({ op: 'settle', id: hold.id, meters: { ...usage.meters } });
  }

  async release(hold: BudgetHold): Promise<void> {
    if (!this.#close(hold)) return;
    this.log.push({ op: 'release', id: hold.id, meters: {} });
  }

  /** Holds reserved and not yet settled or released. */
  get openHolds(): number {
    return this.#open.size;
  }

  #close(hold: BudgetHold): boolean {
    if (!this.#open.delete(hold.id)) return false;
    for (const [meter, amount] of Object.entries(hold.meters))
      this.reserved.set(meter, (this.reserved.get(meter) ?? 0) - amount);
    return true;
  }

  #left(meter: string): number {
    const limit = this.limits[meter];
    if (limit === undefined) return Number.POSITIVE_INFINITY;
    return limit - (this.used.get(meter) ?? 0) - (this.reserved.get(meter) ?? 0);
  }
}
