import type { Sql } from '../../store/store.js';

/** What a job's provider calls cost, as the ledger charged them. */
export interface JobSpend {
  /** Settled (or charged in full when the provider may have billed), per meter: tokens, `usd`, `requests`. */
  readonly charged: Record<string, number>;
  /** Held right now by calls in flight, per meter (their worst case). */
  readonly held: Record<string, number>;
  /** Calls that reserved budget, whatever their outcome. */
  readonly calls: number;
}

/**
 * A job's spend, summed from its calls' reservations. Each call reserves its worst case and is
 * then charged what the provider reported (with its price in USD when the model has one), so this
 * is exactly what the job's budgets were charged. `holdfast cleanup` removes closed reservations
 * of old finished jobs; their spend then reads as zero (daily usage keeps the totals).
 */
export async function jobSpend(sql: Sql, jobId: string): Promise<JobSpend> {
  const { rows } = await sql.query<{
    state: 'held' | 'settled' | 'released';
    meters: Record<string, number>;
    charged: Record<string, number> | null;
  }>(`select state, meters, charged from holdfast.reservations where kind = 'call' and job_id = $1`, [jobId]);
  const charged: Record<string, number> = {};
  const held: Record<string, number> = {};
  for (const row of rows) {
    if (row.state === 'held') add(held, row.meters);
    else if (row.charged) add(charged, row.charged);
  }
  return { charged, held, calls: rows.length };
}

function add(into: Record<string, number>, amounts: Record<string, number>): void {
  for (const [meter, amount] of Object.entries(amounts)) {
    const n = Number(amount);
    if (Number.isFinite(n)) into[meter] = (into[meter] ?? 0) + n;
  }
}
