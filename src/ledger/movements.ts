import { type HoldfastError, holdfastError } from '../errors/holdfast-error.js';
import { type Account, affordableAt, available, effectiveLimit, nextResetAt } from './account.js';
import { type HoldLine, type Reservation, round, type WorkingSet } from './working-set.js';

/**
 * The ledger's movements, applied to a locked working set. Each is all-or-nothing: it checks every
 * account first and changes them only if all of them can afford it.
 */

/** A refusal for `required` on `account`, with the figures and when it could fit again. */
export function refusal(account: Account, required: number, now: number): HoldfastError {
  const left = Math.max(0, available(account));
  const deficit = round(required - left);
  const reset = nextResetAt(account);
  const resetAt = reset === undefined ? undefined : new Date(reset).toISOString();
  const when = affordableAt(account, required, now);
  const retryAfterMs = when === undefined ? undefined : Math.max(0, when - now);
  if (account.period === 'refill') {
    return holdfastError(
      'INSUFFICIENT_TOKENS',
      {
        scope: account.scope,
        meter: account.meter,
        balance: left,
        required,
        deficit,
        resetAt,
        refill: { amount: account.refillAmount ?? 0, everyMs: account.refillEveryMs ?? 0 },
      },
      { retryAfterMs },
    );
  }
  return holdfastError(
    'QUOTA_EXCEEDED',
    {
      scope: account.scope,
      meter: account.meter,
      period: account.period,
      limit: effectiveLimit(account),
      used: account.used,
      reserved: account.reserved,
      balance: left,
      required,
      deficit,
      resetAt,
    },
    { retryAfterMs },
  );
}

/** Every account that cannot afford its share, as refusals. */
function check(ws: WorkingSet, needs: ReadonlyArray<{ account: Account; amount: number }>): HoldfastError[] {
  return needs
    .filter((n) => n.amount > 0 && available(n.account) < n.amount)
    .map((n) => refusal(n.account, n.amount, ws.now));
}

/**
 * A job's hold, taken at submit for its estimate on every account that applies (global and the
 * tenant's). With caps and no estimate it is only a tally of what the job's calls spend.
 */
export function reserveJob(
  ws: WorkingSet,
  args: {
    id: string;
    jobId: string;
    tenant: string | null;
    amounts: Readonly<Record<string, number>>;
    caps: Readonly<Record<string, number>> | null;
  },
): Reservation | HoldfastError[] {
  const needs = Object.entries(args.amounts).flatMap(([meter, amount]) =>
    ws.accountsFor(args.tenant, meter).map((account) => ({ account, amount, meter })),
  );
  const refused = check(ws, needs);
  if (refused.length > 0) return refused;
  const lines: HoldLine[] = [];
  for (const { account, amount, meter } of needs) {
    if (amount <= 0) continue;
    ws.move(account.id, args.id, 'reserve', { reserved: amount });
    lines.push({ account: account.id, meter, amount, fromJob: 0 });
  }
  const reservation: Reservation = {
    id: args.id,
    kind: 'job',
    jobId: args.jobId,
    epoch: null,
    tenant: args.tenant,
    state: 'held',
    lines,
    meters: { ...args.amounts },
    charged: null,
    caps: args.caps ? { ...args.caps } : null,
    spent: {},
    inflight: {},
    expiresAt: null,
    createdAt: ws.now,
    closedAt: null,
  };
  ws.addReservation(reservation);
  return reservation;
}

/**
 * One call's worst case. Inside a job it is drawn first from the job's hold (already reserved on
 * the accounts), then from the accounts; the job's cap bounds what its calls spend and hold.
 */
export function reserveCall(
  ws: WorkingSet,
  args: {
    id: string;
    jobId: string | null;
    epoch: number | null;
    tenant: string | null;
    amounts: Readonly<Record<string, number>>;
    expiresAt: number | null;
  },
): Reservation | HoldfastError {
  const job = args.jobId === null ? undefined : jobHold(ws, args.jobId);
  for (const [meter, amount] of Object.entries(args.amounts)) {
    const cap = job?.caps?.[meter];
    if (cap === undefined) continue;
    const committed = round((job!.spent[meter] ?? 0) + (job!.inflight[meter] ?? 0));
    if (committed + amount > cap) {
      return holdfastError('BUDGET_EXCEEDED', {
        jobId: args.jobId ?? undefined,
        meter,
        cap,
        used: committed,
        requested: amount,
      });
    }
  }
  const plan = Object.entries(args.amounts).flatMap(([meter, amount]) =>
    ws.accountsFor(args.tenant, meter).map((account) => {
      const jobLine = job?.lines.find((l) => l.account === account.id);
      return { account, meter, amount, jobLine, fromJob: Math.min(amount, jobLine?.amount ?? 0) };
    }),
  );
  const refused = check(
    ws,
    plan.map((p) => ({ account: p.account, amount: p.amount - p.fromJob })),
  );
  if (refused.length > 0) return refused[0]!;
  const lines: HoldLine[] = [];
  for (const p of plan) {
    if (p.amount <= 0) continue;
    if (p.jobLine && p.fromJob > 0) p.jobLine.amount = round(p.jobLine.amount - p.fromJob);
    ws.move(p.account.id, args.id, 'reserve', { reserved: round(p.amount - p.fromJob) });
    lines.push({ account: p.account.id, meter: p.meter, amount: p.amount, fromJob: p.fromJob });
  }
  if (job) {
    for (const [meter, amount] of Object.entries(args.amounts))
      job.inflight[meter] = round((job.inflight[meter] ?? 0) + amount);
    ws.touch(job);
  }
  const reservation: Reservation = {
    id: args.id,
    kind: 'call',
    jobId: args.jobId,
    epoch: args.epoch,
    tenant: args.tenant,
    state: 'held',
    lines,
    meters: { ...args.amounts },
    charged: null,
    caps: null,
    spent: {},
    inflight: {},
    expiresAt: args.expiresAt,
    createdAt: ws.now,
    closedAt: null,
  };
  ws.addReservation(reservation);
  return reservation;
}

/**
 * Closes a call's hold: charges what it used (everything, for a reaped hold that may have been
 * billed; nothing, for a release) and frees the rest — what it had drawn from its job's hold goes
 * back there. A hold already closed is left alone, so a replayed settle counts once.
 */
export function closeCall(
  ws: WorkingSet,
  id: string,
  how: { kind: 'settle'; charged: Readonly<Record<string, number>> } | { kind: 'release' } | { kind: 'reap' },
): 'closed' | 'already-closed' | 'unknown' {
  const call = ws.reservations.get(id);
  if (!call) return 'unknown';
  if (call.state !== 'held') return 'already-closed';
  const job = call.jobId === null ? undefined : jobHold(ws, call.jobId);
  const charged: Record<string, number> = {};
  for (const meter of Object.keys(call.meters)) {
    charged[meter] =
      how.kind === 'settle' ? (how.charged[meter] ?? 0) : how.kind === 'reap' ? (call.meters[meter] ?? 0) : 0;
  }
  for (const line of call.lines) {
    const used = charged[line.meter] ?? 0;
    const jobLine = job?.lines.find((l) => l.account === line.account);
    // The unspent part of what came from the job's hold goes back to it (still reserved).
    const returned = jobLine ? Math.max(0, round(line.fromJob - used)) : 0;
    if (jobLine) jobLine.amount = round(jobLine.amount + returned);
    const account = ws.accounts.get(line.account)!;
    ws.move(line.account, id, how.kind, {
      reserved: round(returned - line.amount),
      used,
      ...(account.period === 'refill' ? { balance: -used } : {}),
    });
  }
  if (job) {
    for (const [meter, amount] of Object.entries(call.meters)) {
      job.inflight[meter] = round(Math.max(0, (job.inflight[meter] ?? 0) - amount));
      job.spent[meter] = round((job.spent[meter] ?? 0) + (charged[meter] ?? 0));
    }
    ws.touch(job);
  }
  call.state = how.kind === 'release' ? 'released' : 'settled';
  call.charged = charged;
  call.closedAt = ws.now;
  ws.touch(call);
  return 'closed';
}

/** Releases a job's hold (the job ended). */
export function releaseJob(ws: WorkingSet, jobId: string): boolean {
  const job = jobHold(ws, jobId);
  if (!job) return false;
  for (const line of job.lines) {
    if (line.amount > 0) ws.move(line.account, job.id, 'release', { reserved: -line.amount });
    line.amount = 0;
  }
  job.state = 'released';
  job.closedAt = ws.now;
  ws.touch(job);
  return true;
}

function jobHold(ws: WorkingSet, jobId: string): Reservation | undefined {
  for (const r of ws.reservations.values())
    if (r.kind === 'job' && r.jobId === jobId && r.state === 'held') return r;
  return undefined;
}
