import { type HoldfastError, holdfastError } from '../errors/holdfast-error.js';
import type { EventBus } from '../events/event-bus.js';
import { eventsChannel, eventsPerRow } from '../events/event-log.js';
import type { AnyHoldfastEvent } from '../events/event-map.js';
import { GroupCommit, type OpOutcome } from '../store/group-commit.js';
import type { Sql, Store, TxSql } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { stagedWriteError } from './staged-write-error.js';
import { type FlushRow, flushStatement } from './transitions/flush-statement.js';
import { JobCommit } from './transitions/job-commit.js';
import type { CommandResult, JobCommand } from './transitions/job-op.js';

export interface JobCommitterOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly origin: string;
  readonly leaseMs: number;
  readonly batchSize: number;
}

interface Written {
  readonly outcomes: Array<OpOutcome<CommandResult>>;
  readonly events: AnyHoldfastEvent[];
  readonly lastSeqs: ReadonlyMap<JobCommit, number>;
}

/**
 * The running attempts' way to the database: every transition of a running job (a step starting,
 * a checkpoint with its staged writes, progress, a heartbeat, the outcome) is queued here and
 * committed with the others of the same moment, in one statement — or, when a checkpoint carries
 * staged writes, in one transaction that locks the rows and runs the writes in savepoints first.
 * Two commits may be in flight (one job's operations never are in both), so that a worker at low
 * concurrency is not bound by one disk sync at a time.
 */
export class JobCommitter {
  readonly #options: JobCommitterOptions;
  readonly #engine: GroupCommit<JobCommand, CommandResult>;

  constructor(options: JobCommitterOptions) {
    this.#options = options;
    this.#engine = new GroupCommit({
      flush: (batch) => this.#flush(batch),
      batchSize: options.batchSize,
      maxInFlight: 2,
      key: (command) => command.job.id,
    });
  }

  /** Resolves once committed; rejects with LEASE_LOST if the attempt no longer holds its job. */
  submit(command: JobCommand): Promise<CommandResult> {
    return this.#engine.submit(command);
  }

  drain(): Promise<void> {
    return this.#engine.drain();
  }

  close(): Promise<void> {
    return this.#engine.close();
  }

  async #flush(batch: readonly JobCommand[]): Promise<ReadonlyArray<OpOutcome<CommandResult>>> {
    const { store, bus } = this.#options;
    const refused = batch.map((c) => c.job.timeline.failed);
    const live = batch.filter((_, i) => refused[i] === undefined);
    const withWrites = live.some((c) => c.op.kind === 'checkpoint' && c.op.writes.length > 0);
    let written: Written;
    try {
      // Without staged writes the whole batch is one statement, committed on its own.
      written =
        live.length === 0
          ? { outcomes: [], events: [], lastSeqs: new Map() }
          : withWrites
            ? await store.transaction((tx) => this.#write(tx, live, true))
            : await this.#write(store, live, false);
    } catch (error) {
      for (const c of live) c.job.timeline.failed ??= error;
      throw error;
    }
    for (const [commit, seq] of written.lastSeqs) commit.job.timeline.seq = seq;
    bus.publish(written.events);
    let next = 0;
    return batch.map((_, i) =>
      refused[i] === undefined ? written.outcomes[next++]! : { ok: false, error: refused[i] },
    );
  }

  async #write(sql: Sql, batch: readonly JobCommand[], withWrites: boolean): Promise<Written> {
    const { clock, store, origin, leaseMs } = this.#options;
    const now = clock.now();
    const commands: Array<JobCommand | undefined> = [...batch];
    const outcomes: Array<OpOutcome<CommandResult> | undefined> = batch.map(() => undefined);
    const writesErrors = new Map<number, HoldfastError>();
    if (withWrites) await this.#runWrites(sql as TxSql, commands, outcomes, writesErrors, now);

    const commits = new Map<string, JobCommit>();
    commands.forEach((command) => {
      if (command === undefined) return;
      const key = `${command.job.id}/${command.job.epoch}`;
      let commit = commits.get(key);
      if (commit === undefined) {
        commit = new JobCommit(command.job, command.view);
        commits.set(key, commit);
      }
      commit.apply(command.op, command.view);
    });
    if (commits.size === 0)
      return { outcomes: outcomes.map((o) => o ?? leaseLost(batch, 0)), events: [], lastSeqs: new Map() };

    const statement = flushStatement(
      [...commits.values()],
      now,
      leaseMs,
      store.shared ? { channel: eventsChannel, origin } : undefined,
    );
    const { rows } = await sql.query<FlushRow>(statement.text, statement.params, { prepare: statement.name });
    const alive = new Map<string, boolean>();
    // Event rows by their first seq.
    const eventRows = new Map<string, number>();
    for (const row of rows) {
      if (row.k === 'j') alive.set(`${row.job_id}/${row.epoch}`, row.cancel_requested === true);
      else eventRows.set(`${row.job_id}/${row.seq}`, row.event_id!);
    }
    commands.forEach((command, i) => {
      if (command === undefined) return;
      const cancelRequested = alive.get(`${command.job.id}/${command.job.epoch}`);
      outcomes[i] =
        cancelRequested === undefined
          ? leaseLost(batch, i)
          : { ok: true, value: { cancelRequested, writesError: writesErrors.get(i) } };
    });
    const at = new Date(now).toISOString();
    const events: AnyHoldfastEvent[] = [];
    const lastSeqs = new Map<JobCommit, number>();
    for (const [key, commit] of commits) {
      if (!alive.has(key)) continue;
      const seqs = statement.seqs.get(commit)!;
      lastSeqs.set(commit, seqs.at(-1) ?? commit.job.timeline.seq);
      commit.events.forEach((event, i) => {
        const seq = seqs[i]!;
        const first = i - (i % eventsPerRow);
        const row = eventRows.get(`${commit.job.id}/${seqs[first]}`);
        if (row === undefined) throw new Error(`flush: event ${commit.job.id}#${seq} was not stored`);
        const id = row * eventsPerRow + (i - first);
        events.push({
          id,
          type: event.type,
          jobId: commit.job.id,
          seq,
          tenant: commit.job.tenant,
          at,
          payload: event.payload,
        } as AnyHoldfastEvent);
      });
    }
    events.sort((a, b) => a.id - b.id);
    return { outcomes: outcomes as Array<OpOutcome<CommandResult>>, events, lastSeqs };
  }

  /**
   * Staged writes need their jobs' rows locked and the lease checked before they run: an attempt
   * that lost its job must not write. Each checkpoint's writes run in a savepoint; if they fail,
   * the step is recorded as failed instead (and its writes are gone with the savepoint).
   */
  async #runWrites(
    tx: TxSql,
    commands: Array<JobCommand | undefined>,
    outcomes: Array<OpOutcome<CommandResult> | undefined>,
    writesErrors: Map<number, HoldfastError>,
    now: number,
  ): Promise<void> {
    const ids = [...new Set(commands.map((c) => c!.job.id))].sort();
    const { rows } = await tx.query<{ id: string; lease_epoch: number; state: string }>(
      'select id, lease_epoch, state from holdfast.jobs where id = any($1::uuid[]) order by id for update',
      [ids],
    );
    const locked = new Map(rows.map((r) => [r.id, r]));
    for (const [i, command] of commands.entries()) {
      if (command === undefined) continue;
      const row = locked.get(command.job.id);
      if (row === undefined || row.state !== 'running' || row.lease_epoch !== command.job.epoch) {
        outcomes[i] = { ok: false, error: holdfastError('LEASE_LOST', { jobId: command.job.id }) };
        commands[i] = undefined;
        continue;
      }
      const { op } = command;
      if (op.kind !== 'checkpoint' || op.writes.length === 0) continue;
      try {
        await tx.savepoint(async (sp) => {
          for (const write of op.writes) await write(sp);
        });
      } catch (error) {
        const failure = stagedWriteError(error, op.step.name, command.job.id);
        // The database went away: the whole commit fails, and every operation in it with it.
        if (failure === undefined) throw error;
        writesErrors.set(i, failure);
        commands[i] = {
          ...command,
          op: {
            kind: 'failStep',
            name: op.step.name,
            attempt: op.step.attempt,
            error: failure.serialize(),
            progress: op.step.progress,
            durationMs: op.step.durationMs + (this.#options.clock.now() - now),
          },
        };
      }
    }
  }
}

function leaseLost(batch: readonly JobCommand[], i: number): OpOutcome<CommandResult> {
  return { ok: false, error: holdfastError('LEASE_LOST', { jobId: batch[i]!.job.id }) };
}
