import { afterEach } from 'vitest';
import { createHoldfast, type HoldfastOptions } from '../../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../../src/runtime/holdfast.js';
import { internalsOf } from '../../src/runtime/internals.js';
import type { Job, JobState } from '../../src/runtime/job.js';
import type { Store } from '../../src/store/store.js';
import type { Backend } from './backends.js';
import { waitFor } from './wait.js';

const open: Holdfast[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((hf) => hf.close().catch(() => {})));
});

/** A Holdfast instance on a fresh database of `backend`, closed after the test. */
export async function testHoldfast(
  backend: Backend,
  options: Omit<HoldfastOptions, 'database'> & { database?: string },
): Promise<Holdfast> {
  const database = options.database ?? (await backend.database());
  const hf = createHoldfast({ worker: { poll: '50ms', ...options.worker }, ...options, database });
  open.push(hf);
  await hf.ready();
  return hf;
}

/** The database an instance works on (internal: the public API does not expose it). */
export async function storeOf(hf: Holdfast): Promise<Store> {
  return (await internalsOf(hf).open()).store;
}

export async function waitForState(
  hf: Holdfast,
  id: string,
  states: JobState | JobState[],
  timeoutMs = 15_000,
): Promise<Job> {
  const wanted = Array.isArray(states) ? states : [states];
  let last: Job | undefined;
  try {
    return await waitFor(
      async () => {
        last = await hf.jobs.get(id);
        return wanted.includes(last.state) ? last : undefined;
      },
      timeoutMs,
      `job ${id} in state ${wanted.join('|')}`,
    );
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; last seen: ${JSON.stringify(last?.state)} ${JSON.stringify(last?.error)}`,
    );
  }
}
