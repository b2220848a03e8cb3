import type { HoldfastError } from '../errors/holdfast-error.js';
import type { EventBus } from '../events/event-bus.js';
import { appendEvents } from '../events/event-log.js';
import type { BudgetContext } from '../providers/provider-types.js';
import { GroupCommit, type OpOutcome } from '../store/group-commit.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { closeCall, releaseJob, reserveCall } from './movements.js';
import { type UsageRollup, WorkingSet } from './working-set.js';

export type LedgerOp =
  | {
      readonly kind: 'reserve';
      readonly id: string;
      readonly context: BudgetContext;
      readonly amounts: Readonly<Record<string, number>>;
      readonly expiresAt: number | null;
    }
  | {
      readonly kind: 'settle';
      readonly id: string;
      readonly jobId: string | null;
      readonly charged: Readonly<Record<string, number>>;
      readonly rollup: Omit<UsageRollup, 'day'>;
    }
  | { readonly kind: 'release'; readonly id: string; readonly jobId: string | null }
  | { readonly kind: 'reap'; readonly id: string; readonly jobId: string | null }
  | { readonly kind: 'release-job'; readonly jobId: string }
  | { readonly kind: 'observe'; readonly balances: Readonly<Record<string, number>> };

type Result = 'ok' | HoldfastError;

export interface LedgerBatcherOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly origin: string;
  readonly clock: Clock;
  readonly thresholds: readonly number[];
  /** Makes sure a tenant's accounts exist (from the templates) before its first movement. */
  readonly ensureTenants: (tenants: readonly string[]) => Promise<void>;
  readonly batchSize?: number;
}

/**
 * Group commit for the ledger's hot path: call reservations, settlements and releases queued
 * together are applied in one transaction — the accounts are locked once, each movement is
 * decided in order against the locked figures (exactly as if they had run one by one), and the
 * result is written back at once. One hot account then serves thousands of movements a second
 * instead of one per commit. One batch at a time: two would only queue on the same account locks.
 */
export class LedgerBatcher {
  readonly #options: LedgerBatcherOptions;
  readonly #engine: GroupCommit<LedgerOp, Result>;

  constructor(options: LedgerBatcherOptions) {
    this.#options = options;
    this.#engine = new GroupCommit({
      flush: (batch) => this.#flush(batch),
      batchSize: options.batchSize ?? 500,
    });
  }

  submit(op: LedgerOp): Promise<Result> {
    return this.#engine.submit(op);
  }

  /** Commits everything queued, then refuses more. */
  close(): Promise<void> {
    return this.#engine.close();
  }

  async #flush(batch: readonly LedgerOp[]): Promise<ReadonlyArray<OpOutcome<Result>>> {
    const { store, bus, origin, clock, thresholds } = this.#options;
    const tenants = [
      ...new Set(
        batch.flatMap((op) => (op.kind === 'reserve' && op.context.tenant ? [op.context.tenant] : [])),
      ),
    ];
    if (tenants.length > 0) await this.#options.ensureTenants(tenants);
    const { results, events } = await store.transaction(async (tx) => {
      const ws = await WorkingSet.load(
        tx,
        {
          reservationIds: batch.flatMap((op) =>
            op.kind === 'settle' || op.kind === 'release' || op.kind === 'reap' ? [op.id] : [],
          ),
          jobIds: [
            ...new Set(
              batch.flatMap((op) => {
                if (op.kind === 'reserve') return op.context.jobId ? [op.context.jobId] : [];
                if (op.kind === 'release-job') return [op.jobId];
                // A call's unspent share goes back to its job's hold: lock that too.
                if (op.kind === 'settle' || op.kind === 'release' || op.kind === 'reap')
                  return op.jobId ? [op.jobId] : [];
                return [];
              }),
            ),
          ],
          scopes: ['global', ...tenants.map((t) => `tenant:${t}`)],
          meters: [
            ...new Set(
              batch.flatMap((op) =>
                op.kind === 'reserve'
                  ? Object.keys(op.amounts)
                  : op.kind === 'observe'
                    ? Object.keys(op.balances)
                    : [],
              ),
            ),
          ],
        },
        clock.now(),
        thresholds,
      );
      const results = batch.map((op) => apply(ws, op));
      await ws.write(tx);
      const stored = await appendEvents(tx, ws.events, store.shared ? { origin } : undefined);
      return { results, events: stored };
    });
    bus.publish(events);
    return results.map((value) => ({ ok: true, value }));
  }
}

function apply(ws: WorkingSet, op: LedgerOp): Result {
  switch (op.kind) {
    case 'reserve': {
      const result = reserveCall(ws, {
        id: op.id,
        jobId: op.context.jobId ?? null,
        epoch: op.context.epoch ?? null,
        tenant: op.context.tenant ?? null,
        amounts: op.amounts,
        expiresAt: op.expiresAt,
      });
      return 'code' in result ? result : 'ok';
    }
    case 'settle': {
      const closed = closeCall(ws, op.id, { kind: 'settle', charged: op.charged });
      if (closed === 'closed') ws.rollup(op.rollup);
      return 'ok';
    }
    case 'release':
      closeCall(ws, op.id, { kind: 'release' });
      return 'ok';
    case 'reap':
      closeCall(ws, op.id, { kind: 'reap' });
      return 'ok';
    case 'release-job':
      releaseJob(ws, op.jobId);
      return 'ok';
    case 'observe':
      for (const [meter, balance] of Object.entries(op.balances)) {
        for (const account of ws.accountsFor(null, meter)) {
          if (account.period !== 'refill' || account.balance === balance) continue;
          // The provider's count is the truth: what our bucket holds is corrected to it.
          ws.replace({ ...account, balance: Math.max(0, Math.min(account.limit, balance)) }, 'correct');
        }
      }
      return 'ok';
    default: {
      const never: never = op;
      throw new Error(`unknown ledger operation ${JSON.stringify(never)}`);
    }
  }
}
