import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { replayEvents } from '../src/events/event-log.js';
import type { AnyHoldfastEvent } from '../src/events/event-map.js';
import { definePipeline } from '../src/runtime/pipeline.js';
import { openStore } from '../src/store/open-store.js';
import { backends } from './support/backends.js';
import { testHoldfast, waitForState } from './support/holdfast.js';
import { waitFor } from './support/wait.js';

const postgres = backends.find((b) => b.name === 'postgres')!;

describe.runIf(postgres.available)('events across processes (PostgreSQL)', () => {
  it("delivers another process's events live, in seq order, the same as its timeline", async () => {
    const database = await postgres.database();
    const pipeline = definePipeline({
      name: 'two-steps',
      run: async ({ step }) => {
        await step.run('a', (ctx) => ctx.progress(1, 2));
        return step.run('b', () => 'done');
      },
    });
    const hf = await testHoldfast(postgres, { database, pipelines: [pipeline] });
    // Another process: its own connections, its own origin.
    const other = await openStore(database);
    const bus = new EventBus(other, 'other-process');
    await bus.start();
    const seen: AnyHoldfastEvent[] = [];
    bus.subscribe({}, (e) => seen.push(e));
    try {
      await hf.start();
      const { id } = await hf.submit(pipeline, {});
      await waitForState(hf, id, 'succeeded');
      const timeline = await replayEvents(other, { jobId: id });
      expect(timeline.at(-1)?.type).toBe('job:succeeded');
      await waitFor(
        () => seen.filter((e) => e.jobId === id).length === timeline.length,
        10_000,
        'live events',
      );
      expect(seen.filter((e) => e.jobId === id)).toEqual(timeline);
    } finally {
      await bus.stop();
      await other.close();
    }
  });
});
