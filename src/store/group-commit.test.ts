import { describe, expect, it } from 'vitest';
import { hasCode, holdfastError } from '../errors/holdfast-error.js';
import { GroupCommit, type OpOutcome } from './group-commit.js';

interface Op {
  readonly key: string;
  readonly n: number;
}

/** A flush that records its batches and waits until the test lets it finish. */
function recorder() {
  const batches: Op[][] = [];
  const gates: Array<() => void> = [];
  const flush = async (batch: readonly Op[]): Promise<Array<OpOutcome<number>>> => {
    batches.push([...batch]);
    await new Promise<void>((resolve) => gates.push(resolve));
    return batch.map((op) => ({ ok: true, value: op.n * 10 }));
  };
  const release = async (count = 1) => {
    for (let i = 0; i < count; i++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
  };
  return { batches, flush, release };
}

describe('GroupCommit', () => {
  it('commits what is queued in one turn as one batch, and answers each operation', async () => {
    const r = recorder();
    const gc = new GroupCommit<Op, number>({ flush: r.flush });
    const results = Promise.all([1, 2, 3].map((n) => gc.submit({ key: 'a', n })));
    await r.release();
    expect(await results).toEqual([10, 20, 30]);
    expect(r.batches).toEqual([
      [
        { key: 'a', n: 1 },
        { key: 'a', n: 2 },
        { key: 'a', n: 3 },
      ],
    ]);
  });

  it('keeps two flushes in flight, never with the same key in both', async () => {
    const r = recorder();
    const gc = new GroupCommit<Op, number>({
      flush: r.flush,
      maxInFlight: 2,
      overlapAfterMs: 0,
      key: (op) => op.key,
    });
    const first = gc.submit({ key: 'a', n: 1 });
    await new Promise((r) => setImmediate(r));
    // While 'a' is in flight: a second 'a' must wait, 'b' may go at once.
    const later = [gc.submit({ key: 'a', n: 2 }), gc.submit({ key: 'b', n: 3 })];
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(r.batches).toEqual([[{ key: 'a', n: 1 }], [{ key: 'b', n: 3 }]]);
    await r.release(2);
    await r.release();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30]);
    expect(r.batches[2]).toEqual([{ key: 'a', n: 2 }]);
  });

  it('rejects every operation of a failed batch with its error, and goes on with the next', async () => {
    let calls = 0;
    const gc = new GroupCommit<Op, number>({
      flush: async (batch) => {
        calls += 1;
        if (calls === 1) throw holdfastError('DATABASE_UNAVAILABLE', { database: 'test', reason: 'reset' });
        return batch.map((op) => ({ ok: true, value: op.n }));
      },
    });
    const failed = await Promise.allSettled([gc.submit({ key: 'a', n: 1 }), gc.submit({ key: 'b', n: 2 })]);
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      expect(hasCode((outcome as PromiseRejectedResult).reason, 'DATABASE_UNAVAILABLE')).toBe(true);
    }
    expect(await gc.submit({ key: 'c', n: 3 })).toBe(3);
  });

  it('retries a batch that hit a deadlock or a serialization failure, then gives up with it', async () => {
    let calls = 0;
    const gc = new GroupCommit<Op, number>({
      flush: async (batch) => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return batch.map((op) => ({ ok: true, value: op.n }));
      },
    });
    expect(await gc.submit({ key: 'a', n: 7 })).toBe(7);
    expect(calls).toBe(3);
    const always = new GroupCommit<Op, number>({
      flush: async () => {
        throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      },
    });
    await expect(always.submit({ key: 'a', n: 1 })).rejects.toMatchObject({ code: '40001' });
  });

  it('answers an operation refused alone without failing the others', async () => {
    const gc = new GroupCommit<Op, number>({
      flush: async (batch) =>
        batch.map((op) =>
          op.n === 2
            ? { ok: false, error: holdfastError('LEASE_LOST', { jobId: op.key }) }
            : { ok: true, value: op.n },
        ),
    });
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => gc.submit({ key: String(n), n })));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('drains on close: what is queued is committed, what comes after is refused', async () => {
    const r = recorder();
    const gc = new GroupCommit<Op, number>({ flush: r.flush, batchSize: 2 });
    const queued = [1, 2, 3].map((n) => gc.submit({ key: 'a', n }));
    const closed = gc.close();
    await r.release(2);
    await closed;
    expect(await Promise.all(queued)).toEqual([10, 20, 30]);
    expect(r.batches.map((b) => b.length)).toEqual([2, 1]);
    await expect(gc.submit({ key: 'a', n: 4 })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    // Nothing queued: drain returns at once.
    await gc.drain();
  });
});
