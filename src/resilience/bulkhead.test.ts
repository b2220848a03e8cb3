import { describe, expect, it } from 'vitest';
import { Bulkhead, BulkheadFull } from './bulkhead.js';

describe('bulkhead', () => {
  it('runs at most `limit` at once, queues up to `queue`, refuses the rest', async () => {
    const bulkhead = new Bulkhead(2, 1);
    const first = await bulkhead.acquire();
    const second = await bulkhead.acquire();
    let thirdIn = false;
    const third = bulkhead.acquire().then((release) => {
      thirdIn = true;
      return release;
    });
    await expect(bulkhead.acquire()).rejects.toBeInstanceOf(BulkheadFull);
    expect(bulkhead.queued).toBe(1);
    first();
    const release = await third;
    expect(thirdIn).toBe(true);
    expect(bulkhead.running).toBe(2);
    second();
    release();
    release();
    expect(bulkhead.running).toBe(0);
  });

  it('leaves the queue when the waiter is aborted', async () => {
    const bulkhead = new Bulkhead(1, 5);
    const held = await bulkhead.acquire();
    const controller = new AbortController();
    const waiting = bulkhead.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(bulkhead.queued).toBe(0);
    held();
    expect(bulkhead.running).toBe(0);
  });
});
