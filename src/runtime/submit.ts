import { holdfastError } from '../errors/holdfast-error.js';
import {
  appendEvents,
  eventRows,
  eventsChannel,
  maxRowsPerStatement,
  nextSeqs,
  notifiedColumn,
  notifySql,
  rowsInsertSql,
} from '../events/event-log.js';
import type { AnyHoldfastEvent, AnyNewEvent, HoldfastEventMap } from '../events/event-map.js';
import type { Sql, TxSql } from '../store/store.js';
import type { BudgetHooks } from './budget-hooks.js';
import { jobsChannel } from './channels.js';
import { checkIdempotencyKey, idempotencyScope, inputHash } from './idempotency.js';
import type { JobState } from './job.js';
import type { Pipeline } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';
import { uuidv7 } from './uuid-v7.js';
import { validateInput } from './validate-input.js';

export interface SubmitOptions {
  /** Whose job this is: budgets, listings and notifications are per tenant. */
  readonly tenant?: string;
  /** The same key within its TTL returns the existing job instead of creating one (G8). */
  readonly idempotencyKey?: string;
  /** Do not start before this time. */
  readonly runAt?: Date | number | string;
}

export interface SubmitResult {
  readonly id: string;
  readonly state: JobState;
  /** True when an idempotency key matched an existing job, which is returned instead. */
  readonly deduplicated: boolean;
}

/** A job ready to insert, after validation; admission (the ledger) may park it or refuse it. */
export interface JobCandidate {
  readonly id: string;
  readonly pipeline: Pipeline;
  readonly tenant: string | null;
  readonly input: unknown;
  runAt: number;
  readonly idempotencyKey: string | undefined;
  state: 'queued' | 'waiting';
  waitReason: string | null;
  estimate: Record<string, number> | null;
  /** Extra events to append after job:queued (e.g. job:waiting for a budget). */
  readonly extraEvents: Array<{
    readonly type: 'job:waiting';
    readonly payload: HoldfastEventMap['job:waiting'];
  }>;
}

export interface SubmitContext {
  readonly services: RuntimeServices;
  readonly idempotencyTtlMs: number;
  /** Reserves the jobs' estimates in the submit transaction (refusing or parking them). */
  readonly budget: Pick<BudgetHooks, 'admit'>;
  /** Called after commit so a worker in this process picks the jobs up at once. */
  readonly onSubmitted?: () => void;
  /** Aborts the submission before it writes; once the write began, its result stands. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Validates and inserts jobs, all or nothing: input checked against the pipeline's schema first
 * (a VALIDATION_ERROR names the field and nothing is written), then idempotency keys, admission
 * (budgets), the rows and their `job:queued` events in one transaction.
 */
export async function submitJobs(
  context: SubmitContext,
  pipeline: Pipeline,
  items: ReadonlyArray<{ readonly input: unknown; readonly options?: SubmitOptions | undefined }>,
): Promise<SubmitResult[]> {
  const { services } = context;
  context.signal?.throwIfAborted();
  const now = services.clock.now();
  const candidates: JobCandidate[] = [];
  for (const [index, item] of items.entries()) {
    const options = item.options ?? {};
    const input = await validateInput(pipeline.inputSchema, item.input);
    const prefix = items.length > 1 ? `[${index}].` : '';
    candidates.push({
      id: uuidv7(now),
      pipeline,
      tenant: checkTenant(options.tenant, prefix),
      input,
      runAt: resolveRunAt(options.runAt, now, prefix),
      idempotencyKey:
        options.idempotencyKey === undefined ? undefined : checkKey(options.idempotencyKey, prefix),
      state: 'queued',
      waitReason: null,
      estimate: null,
      extraEvents: [],
    });
  }

  context.signal?.throwIfAborted();
  // Without idempotency keys or budgets to check, the jobs and their events are one statement.
  const simple = candidates.every(
    (c) =>
      c.idempotencyKey === undefined && c.pipeline.estimate === undefined && c.pipeline.budget === undefined,
  );
  const results = simple
    ? {
        out: candidates.map((c) => ({ id: c.id, state: c.state, deduplicated: false })),
        events: await insertJobs(services, services.store, candidates, now),
      }
    : await services.store.transaction(async (tx) => {
        const out: SubmitResult[] = [];
        const fresh: JobCandidate[] = [];
        for (const candidate of candidates) {
          const existing = await claimIdempotencyKey(tx, candidate, now, context.idempotencyTtlMs);
          if (existing) out.push(existing);
          else {
            fresh.push(candidate);
            out.push({ id: candidate.id, state: candidate.state, deduplicated: false });
          }
        }
        if (fresh.length === 0) return { out, events: [] };
        await context.budget.admit(tx, fresh, now);
        const events = await insertJobs(services, tx, fresh, now);
        // Admission may have parked some jobs: report the state they were inserted with.
        const states = new Map(fresh.map((c) => [c.id, c.state]));
        return { out: out.map((r) => (states.has(r.id) ? { ...r, state: states.get(r.id)! } : r)), events };
      });
  services.bus.publish(results.events);
  context.onSubmitted?.();
  return results.out;
}

/**
 * The jobs' rows, their `job:queued` (and admission's) events and, on PostgreSQL, the NOTIFYs that
 * wake workers and tell other processes of the events — in one statement when the events fit one
 * NOTIFY. Returns the stored events.
 */
async function insertJobs(
  services: RuntimeServices,
  sql: Sql,
  fresh: readonly JobCandidate[],
  now: number,
): Promise<AnyHoldfastEvent[]> {
  const nowIso = new Date(now).toISOString();
  const jobs = JSON.stringify(
    fresh.map((c) => ({
      id: c.id,
      pipeline: c.pipeline.name,
      tenant: c.tenant,
      state: c.state,
      input: c.input,
      max_attempts: c.pipeline.retry.attempts,
      run_at: new Date(c.runAt).toISOString(),
      wait_reason: c.waitReason,
      timeout_ms: c.pipeline.timeoutMs ?? null,
      key: c.idempotencyKey ?? null,
      estimate: c.estimate,
      events: 1 + c.extraEvents.length,
    })),
  );
  const events: AnyNewEvent[] = [];
  for (const c of fresh) {
    const [first, ...rest] = nextSeqs(0, 1 + c.extraEvents.length);
    events.push({
      type: 'job:queued',
      jobId: c.id,
      seq: first!,
      tenant: c.tenant,
      at: now,
      payload: { pipeline: c.pipeline.name, runAt: new Date(c.runAt).toISOString() },
    });
    c.extraEvents.forEach((e, i) => {
      events.push({ ...e, jobId: c.id, seq: rest[i]!, tenant: c.tenant, at: now });
    });
  }
  const { shared } = services.store;
  const origin = services.bus.origin;
  const rows = eventRows(events);
  if (rows.count <= maxRowsPerStatement) {
    const { rows: ids } = await sql.query<{ id: number }>(
      `with j as (${insertJobsSql}),
            ev as (${rowsInsertSql('$3')})${
              shared
                ? `,
            n as (${notifySql(eventsChannel, '$4', 'ev')}),
            w as (select pg_notify('${jobsChannel}', $4::text))`
                : ''
            }
       select ev.id${shared ? `, ${notifiedColumn('n')}, (select count(*) from w) as woken` : ''} from ev`,
      shared ? [jobs, nowIso, rows.json, origin] : [jobs, nowIso, rows.json],
      { prepare: shared ? 'holdfast_submit_n' : 'holdfast_submit' },
    );
    return rows.stored(ids.map((r) => r.id));
  }
  await sql.query(insertJobsSql, [jobs, nowIso]);
  const stored = await appendEvents(sql, events, shared ? { origin } : undefined);
  if (shared) await sql.query('select pg_notify($1, $2)', [jobsChannel, origin]);
  return stored;
}

const insertJobsSql = `insert into holdfast.jobs (id, pipeline, tenant, state, input, attempt, max_attempts, run_at,
                             wait_reason, timeout_ms, idempotency_key, estimate, event_seq, created_at, updated_at)
  select x.id, x.pipeline, x.tenant, x.state, x.input, 1, x.max_attempts, x.run_at, x.wait_reason,
         x.timeout_ms, x.key, x.estimate, x.events, $2::timestamptz, $2::timestamptz
    from json_to_recordset($1::json) as x(id uuid, pipeline text, tenant text, state text, input jsonb,
         max_attempts int, run_at timestamptz, wait_reason text, timeout_ms bigint, key text, estimate jsonb, events int)`;

/**
 * Registers the candidate's idempotency key, or finds the job that owns it. An expired key is
 * taken over. Concurrent submits with one key serialise on the key's row: one inserts, the other
 * then sees that job.
 */
async function claimIdempotencyKey(
  tx: TxSql,
  candidate: JobCandidate,
  now: number,
  ttlMs: number,
): Promise<SubmitResult | undefined> {
  if (candidate.idempotencyKey === undefined) return undefined;
  const scope = idempotencyScope(candidate.pipeline.name, candidate.tenant);
  const hash = inputHash(candidate.input);
  const nowIso = new Date(now).toISOString();
  const { rows } = await tx.query<{ job_id: string }>(
    `insert into holdfast.idempotency_keys (scope, key, job_id, input_hash, expires_at, created_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (scope, key) do update
       set job_id = excluded.job_id, input_hash = excluded.input_hash,
           expires_at = excluded.expires_at, created_at = excluded.created_at
     where holdfast.idempotency_keys.expires_at <= $6
     returning job_id`,
    [scope, candidate.idempotencyKey, candidate.id, hash, new Date(now + ttlMs).toISOString(), nowIso],
  );
  if (rows[0]?.job_id === candidate.id) return undefined;
  const { rows: existing } = await tx.query<{
    job_id: string;
    input_hash: string;
    expires_at: Date;
    state: JobState | null;
  }>(
    `select k.job_id, k.input_hash, k.expires_at, j.state
       from holdfast.idempotency_keys k left join holdfast.jobs j on j.id = k.job_id
      where k.scope = $1 and k.key = $2`,
    [scope, candidate.idempotencyKey],
  );
  const found = existing[0];
  if (found === undefined)
    throw holdfastError('INTERNAL', { reason: 'idempotency key vanished during submit' });
  if (found.input_hash !== hash) {
    throw holdfastError('IDEMPOTENCY_CONFLICT', {
      key: candidate.idempotencyKey,
      existingJobId: found.job_id,
      expiresAt: found.expires_at.toISOString(),
    });
  }
  return { id: found.job_id, state: found.state ?? 'succeeded', deduplicated: true };
}

function invalid(field: string, message: string) {
  return holdfastError('VALIDATION_ERROR', {
    field,
    issues: [{ path: field, message }],
    subject: 'submit options',
  });
}

function checkTenant(tenant: unknown, prefix: string): string | null {
  if (tenant === undefined || tenant === null) return null;
  if (typeof tenant !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9._:@-]{0,127}$/.test(tenant)) {
    throw invalid(`${prefix}tenant`, "must be 1–128 letters, digits, '.', '_', ':', '@' or '-'");
  }
  return tenant;
}

function checkKey(key: unknown, prefix: string): string {
  try {
    return checkIdempotencyKey(key);
  } catch (error) {
    throw invalid(`${prefix}idempotencyKey`, (error as Error).message);
  }
}

function resolveRunAt(runAt: SubmitOptions['runAt'], now: number, prefix: string): number {
  if (runAt === undefined) return now;
  const at = runAt instanceof Date ? runAt.getTime() : typeof runAt === 'number' ? runAt : Date.parse(runAt);
  if (!Number.isFinite(at))
    throw invalid(`${prefix}runAt`, 'must be a Date, a timestamp in ms or an ISO 8601 string');
  return Math.max(at, now);
}
