import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasCode, holdfastError } from '../src/errors/holdfast-error.js';
import { EventBus } from '../src/events/event-bus.js';
import { replayEvents } from '../src/events/event-log.js';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import { JobCommitter } from '../src/runtime/job-committer.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { submitJobs } from '../src/runtime/submit.js';
import { type ClaimedJob, claim, takeover } from '../src/runtime/transitions/claim.js';
import type { CommandResult, JobOp, JobRef } from '../src/runtime/transitions/job-op.js';
import type { Store } from '../src/store/store.js';
import { FakeClock } from '../src/time/fake-clock.js';
import { backends } from './support/backends.js';

const pipeline = definePipeline({ name: 'p', timeout: '10m', run: async () => null });
const leaseMs = 30_000;

/** One store, a committer, and helpers to submit, claim and commit transitions as a worker does. */
async function harness(store: Store) {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 9));
  const bus = new EventBus(store, 'worker-1');
  const published: AnyHoldfastEvent[] = [];
  bus.subscribe({}, (e) => published.push(e));
  const committer = new JobCommitter({ store, bus, clock, origin: 'worker-1', leaseMs, batchSize: 256 });
  const services = {
    store,
    bus,
    committer,
    clock,
    workerId: 'worker-1',
    logger: console,
    random: Math.random,
    options: {} as never,
  };
  const submit = async (runAt?: number) =>
    (
      await submitJobs({ services, idempotencyTtlMs: 60_000, budget: { admit: async () => {} } }, pipeline, [
        { input: { n: 1 }, options: { runAt } },
      ])
    )[0]!.id;
  const request = (limit = 10) => ({
    store,
    origin: 'worker-1',
    workerId: 'worker-1',
    pipelines: ['p'],
    limit,
    now: clock.now(),
    leaseMs,
  });
  const refOf = (c: ClaimedJob): JobRef => ({
    id: c.row.id,
    epoch: c.row.lease_epoch,
    tenant: c.row.tenant,
    timeline: { seq: c.row.event_seq },
  });
  const view = { currentStep: null as string | null, progress: null };
  const commit = (job: JobRef, ...ops: JobOp[]): Promise<CommandResult[]> =>
    Promise.all(ops.map((op) => committer.submit({ job, view: { ...view }, op })));
  const job = async (id: string) =>
    (await store.query<Record<string, unknown>>('select * from holdfast.jobs where id = $1', [id])).rows[0]!;
  const steps = async (id: string) =>
    (
      await store.query<Record<string, unknown>>(
        'select name, state, runs, output, error, progress, compensated_at from holdfast.steps where job_id = $1 order by name',
        [id],
      )
    ).rows;
  const timeline = async (id: string) =>
    (await replayEvents(store, { jobId: id })).map((e) => [e.seq, e.type]);
  return { clock, published, submit, request, refOf, commit, job, steps, timeline, view };
}

for (const backend of backends) {
  describe.runIf(backend.available)(`job transitions on ${backend.name}`, () => {
    let h: Awaited<ReturnType<typeof harness>>;
    let store: Store;
    beforeAll(async () => {
      store = await backend.store();
    });
    beforeEach(async () => {
      await store.query('delete from holdfast.events');
      await store.query('delete from holdfast.jobs');
      h = await harness(store);
    });

    it('claim: takes due jobs only, each once, under a new epoch, with job:started', async () => {
      const due = await h.submit();
      await h.submit(h.clock.now() + 60_000);
      const [claimed, ...more] = await claim(h.request());
      expect(more).toEqual([]);
      expect(claimed!.row).toMatchObject({
        id: due,
        lease_epoch: 1,
        attempt: 1,
        event_seq: 2,
        input: { n: 1 },
      });
      expect(claimed!.started).toMatchObject({
        type: 'job:started',
        seq: 2,
        payload: { resumed: false, takeover: false },
      });
      expect(await claim(h.request())).toEqual([]);
      const row = await h.job(due);
      expect(row).toMatchObject({ state: 'running', lease_owner: 'worker-1', event_seq: 2 });
      expect((row.deadline_at as Date).getTime()).toBe(h.clock.now() + 600_000);
      expect(await h.timeline(due)).toEqual([
        [1, 'job:queued'],
        [2, 'job:started'],
      ]);
    });

    it('startStep + checkpoint + succeed: one commit, numbered events, one step row', async () => {
      const id = await h.submit();
      const [c] = await claim(h.request());
      const ref = h.refOf(c!);
      h.view.currentStep = 'a';
      await h.commit(
        ref,
        { kind: 'startStep', name: 'a', attempt: 1, hasCompensation: false },
        {
          kind: 'checkpoint',
          step: { name: 'a', attempt: 1, output: { ok: 1 }, progress: null, durationMs: 3 },
          writes: [],
        },
        { kind: 'succeed', attempt: 1, output: 'done', durationMs: 5 },
      );
      expect(await h.job(id)).toMatchObject({
        state: 'succeeded',
        output: 'done',
        current_step: 'a',
        event_seq: 5,
        lease_owner: null,
        lease_expires_at: null,
      });
      expect(await h.steps(id)).toMatchObject([
        { name: 'a', state: 'succeeded', runs: 1, output: { ok: 1 } },
      ]);
      expect(await h.timeline(id)).toEqual([
        [1, 'job:queued'],
        [2, 'job:started'],
        [3, 'step:started'],
        [4, 'step:succeeded'],
        [5, 'job:succeeded'],
      ]);
      expect(ref.timeline.seq).toBe(5);
      // Published after the commit, with the ids they were stored under, in order.
      const live = h.published.filter((e) => e.jobId === id && e.seq! > 2);
      expect(live.map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(live.map((e) => e.id)).toEqual([...live.map((e) => e.id)].sort((a, b) => a - b));
    });

    it('progress and heartbeat: events and the job row, and the lease renewed', async () => {
      const id = await h.submit();
      const [c] = await claim(h.request());
      const ref = h.refOf(c!);
      await h.commit(ref, { kind: 'startStep', name: 'a', attempt: 1, hasCompensation: false });
      await h.clock.setTime(h.clock.now() + 10_000);
      const progress = { step: 'a', done: 2, total: 4, unit: 'pages', percent: 50 };
      h.view.progress = progress as never;
      await h.commit(ref, { kind: 'progress', progress });
      await h.commit(ref, { kind: 'heartbeat' });
      const row = await h.job(id);
      expect(row.progress).toEqual(progress);
      expect((row.lease_expires_at as Date).getTime()).toBe(h.clock.now() + leaseMs);
      expect(await h.steps(id)).toMatchObject([{ name: 'a', state: 'running' }]);
      expect((await h.timeline(id)).slice(2)).toEqual([
        [3, 'step:started'],
        [4, 'step:progress'],
      ]);
    });

    it('failStep + scheduleRetry: the step failed, the job waits with its error, the lease is free', async () => {
      const id = await h.submit();
      const [c] = await claim(h.request());
      const ref = h.refOf(c!);
      const error = holdfastError('STEP_FAILED', { step: 'a' }, { message: 'boom' }).serialize();
      const runAt = h.clock.now() + 5000;
      await h.commit(
        ref,
        { kind: 'startStep', name: 'a', attempt: 1, hasCompensation: false },
        { kind: 'failStep', name: 'a', attempt: 1, error, progress: null, durationMs: 1 },
        { kind: 'scheduleRetry', runAt, attempt: 2, delayMs: 5000, source: 'backoff', error },
      );
      const row = await h.job(id);
      expect(row).toMatchObject({ state: 'waiting', attempt: 2, wait_reason: 'retry', retry_delay_ms: 5000 });
      expect((row.run_at as Date).getTime()).toBe(runAt);
      expect(row.error).toMatchObject({ message: 'boom' });
      expect(row.lease_expires_at).toBeNull();
      expect(await h.steps(id)).toMatchObject([{ name: 'a', state: 'failed', error: { message: 'boom' } }]);
      expect((await h.timeline(id)).slice(2).map((e) => e[1])).toEqual([
        'step:started',
        'step:failed',
        'job:retry-scheduled',
      ]);
      // Not due before runAt; due then, as attempt 2, resumed.
      expect(await claim(h.request())).toEqual([]);
      await h.clock.setTime(runAt);
      const [again] = await claim(h.request());
      expect(again!.row).toMatchObject({ attempt: 2, lease_epoch: 2 });
      expect(again!.started.payload).toMatchObject({ resumed: true });
    });

    it('park and requeue: the job leaves the worker without using up an attempt', async () => {
      const parked = await h.submit();
      const requeued = await h.submit();
      const claimed = await claim(h.request());
      const byId = new Map(claimed.map((c) => [c.row.id, h.refOf(c)]));
      const runAt = h.clock.now() + 3_600_000;
      await h.commit(byId.get(parked)!, {
        kind: 'park',
        runAt,
        reason: 'budget',
        detail: 'refills at 10:00',
        attempt: 1,
        retryDelayMs: null,
      });
      await h.commit(byId.get(requeued)!, {
        kind: 'requeue',
        runAt: h.clock.now(),
        detail: 'worker-1',
        attempt: 1,
        retryDelayMs: null,
      });
      expect(await h.job(parked)).toMatchObject({ state: 'waiting', wait_reason: 'budget', attempt: 1 });
      expect(await h.job(requeued)).toMatchObject({
        state: 'queued',
        wait_reason: 'worker-stopped',
        attempt: 1,
      });
      expect((await h.timeline(requeued)).at(-1)).toEqual([3, 'job:waiting']);
      const [next] = await claim(h.request());
      expect(next!.row.id).toBe(requeued);
    });

    it('fail, cancel and compensated: ended jobs with their errors; undone steps marked', async () => {
      const failed = await h.submit();
      const cancelled = await h.submit();
      const claimed = await claim(h.request());
      const byId = new Map(claimed.map((c) => [c.row.id, h.refOf(c)]));
      const error = holdfastError('STEP_FAILED', {}, { message: 'no' }).serialize();
      await h.commit(
        byId.get(failed)!,
        { kind: 'startStep', name: 'book', attempt: 1, hasCompensation: true },
        {
          kind: 'checkpoint',
          step: { name: 'book', attempt: 1, output: 'b', progress: null, durationMs: 1 },
          writes: [],
        },
      );
      await h.commit(
        byId.get(failed)!,
        { kind: 'compensated', step: 'book', ok: true },
        { kind: 'fail', attempt: 1, error },
      );
      await h.commit(byId.get(cancelled)!, {
        kind: 'cancel',
        reason: 'user',
        error: holdfastError('CANCELLED', { reason: 'user' }).serialize(),
      });
      expect(await h.job(failed)).toMatchObject({ state: 'failed', error: { message: 'no' } });
      expect((await h.job(failed)).finished_at).toBeInstanceOf(Date);
      expect((await h.steps(failed))[0]!.compensated_at).toBeInstanceOf(Date);
      expect(await h.job(cancelled)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
      expect((await h.timeline(cancelled)).at(-1)).toEqual([3, 'job:cancelled']);
    });

    it('the fence: an attempt whose job was taken over writes nothing, and takeover resumes it', async () => {
      const id = await h.submit();
      const [c] = await claim(h.request());
      const stale = h.refOf(c!);
      await h.commit(
        stale,
        { kind: 'startStep', name: 'a', attempt: 1, hasCompensation: false },
        {
          kind: 'checkpoint',
          step: { name: 'a', attempt: 1, output: 1, progress: null, durationMs: 1 },
          writes: [],
        },
      );
      await h.clock.setTime(h.clock.now() + leaseMs + 1);
      const [taken] = await takeover(h.request());
      expect(taken!.row).toMatchObject({ id, lease_epoch: 2 });
      expect(taken!.steps).toEqual([{ name: 'a', output: 1, compensated: false }]);
      expect(taken!.started.payload).toMatchObject({ takeover: true, resumed: true });
      expect((await h.job(id)).takeovers).toBe(1);
      const late = await Promise.allSettled(
        [
          { kind: 'startStep', name: 'b', attempt: 1, hasCompensation: false },
          { kind: 'succeed', attempt: 1, output: 'late', durationMs: 1 },
        ].map((op) => h.commit(stale, op as JobOp)),
      );
      for (const outcome of late) {
        expect(outcome.status).toBe('rejected');
        expect(hasCode((outcome as PromiseRejectedResult).reason, 'LEASE_LOST')).toBe(true);
      }
      expect(await h.job(id)).toMatchObject({ state: 'running', output: null });
      expect((await h.steps(id)).map((s) => s.name)).toEqual(['a']);
    });

    it('staged writes commit with their checkpoint; a SQL error fails the step with SQL_ERROR and keeps nothing', async () => {
      await store.query('drop table if exists notes');
      await store.query('create table notes (job_id uuid, body text not null)');
      const ok = await h.submit();
      const bad = await h.submit();
      const claimed = await claim(h.request());
      const byId = new Map(claimed.map((c) => [c.row.id, h.refOf(c)]));
      const start: JobOp = { kind: 'startStep', name: 'save', attempt: 1, hasCompensation: false };
      const checkpoint = (body: string | null): JobOp => ({
        kind: 'checkpoint',
        step: { name: 'save', attempt: 1, output: 'saved', progress: null, durationMs: 1 },
        writes: [
          (sql) =>
            sql.query('insert into notes (job_id, body) values ($1, $2)', [
              body === null ? bad : ok,
              'first',
            ]),
          (sql) =>
            sql.query('insert into notes (job_id, body) values ($1, $2)', [body === null ? bad : ok, body]),
        ],
      });
      const [, good] = await h.commit(byId.get(ok)!, start, checkpoint('second'));
      const [, refused] = await h.commit(byId.get(bad)!, start, checkpoint(null));
      expect(good!.writesError).toBeUndefined();
      expect(refused!.writesError).toMatchObject({
        code: 'SQL_ERROR',
        retryable: false,
        details: { sqlState: '23502', step: 'save', column: 'body', table: 'notes' },
      });
      const { rows } = await store.query<{ job_id: string }>('select job_id from notes');
      expect(rows.map((r) => r.job_id)).toEqual([ok, ok]);
      expect(await h.steps(bad)).toMatchObject([
        { name: 'save', state: 'failed', error: { code: 'SQL_ERROR' } },
      ]);
      expect((await h.timeline(bad)).slice(2)).toEqual([
        [3, 'step:started'],
        [4, 'step:failed'],
      ]);
    });
  });
}
