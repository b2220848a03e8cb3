import type { Adapter, PreparedCall, UsageCounts } from './adapter.js';
import type { BudgetGate, BudgetHold } from './budget-gate.js';
import type { ProviderConfig } from './provider-config.js';
import type { BudgetContext, ProviderRequest, Usage } from './provider-types.js';

/**
 * The budget side of one call: the worst case it can use (its input bound plus its output cap),
 * capping requests that set no output limit to what the budget has left, and turning what the
 * provider reported into the amounts a BudgetGate settles.
 */
export class CallBudget {
  constructor(
    private readonly config: ProviderConfig,
    private readonly adapter: Adapter,
    private readonly gate: BudgetGate | undefined,
    readonly context: BudgetContext,
  ) {}

  /**
   * Gives a request with no output cap one, from what the caller may still spend, so the hold is
   * a true upper bound. Without a gate or with an unlimited budget the call is left as it is.
   */
  async capped(call: PreparedCall): Promise<PreparedCall> {
    if (!this.gate || call.outputCap !== undefined || this.config.kind === 'http') return call;
    const available =
      (await this.gate.available(this.context, [this.config.meter]))[this.config.meter] ??
      Number.POSITIVE_INFINITY;
    if (!Number.isFinite(available)) return call;
    const room = Math.floor(available - call.inputBound);
    // Nothing left: reserve() refuses it with the figures.
    return room >= 1 ? this.adapter.capOutput(call, room) : call;
  }

  /** The worst case of one attempt, per meter. */
  worstCase(call: PreparedCall, request: ProviderRequest): Record<string, number> {
    if (this.config.kind === 'http') return { ...(this.config.options.cost?.(request) ?? {}) };
    return { [this.config.meter]: call.inputBound + (call.outputCap ?? 0) };
  }

  reserve(call: PreparedCall, request: ProviderRequest): Promise<BudgetHold> | undefined {
    if (!this.gate) return undefined;
    return this.gate.reserve(this.context, {
      provider: this.config.name,
      model: call.model,
      meters: this.worstCase(call, request),
      // Split for pricing: the worst case in USD is the input bound at the input price plus the cap at the output price.
      input: call.inputBound,
      output: call.outputCap,
    });
  }

  settle(hold: BudgetHold | undefined, usage: Usage): Promise<void> | undefined {
    return hold ? this.gate!.settle(hold, usage) : undefined;
  }

  release(hold: BudgetHold | undefined): Promise<void> | undefined {
    return hold ? this.gate!.release(hold) : undefined;
  }

  /** The provider's counts as Usage; with no counts, the whole hold is charged (it may have been billed). */
  usage(call: PreparedCall, counts: UsageCounts | undefined, hold: BudgetHold | undefined): Usage {
    if (counts === undefined) {
      const meters = hold?.meters ?? {};
      return {
        provider: this.config.name,
        model: call.model,
        meter: this.config.meter,
        input: meters[this.config.meter] ?? 0,
        output: 0,
        cached: 0,
        meters,
      };
    }
    const meters = counts.meters ?? { [this.config.meter]: counts.input + counts.output };
    return {
      provider: this.config.name,
      model: call.model,
      meter: this.config.meter,
      input: counts.meters ? (meters[this.config.meter] ?? sum(meters)) : counts.input,
      output: counts.output,
      cached: counts.cached,
      meters,
    };
  }
}

function sum(meters: Readonly<Record<string, number>>): number {
  return Object.values(meters).reduce((a, b) => a + b, 0);
}
