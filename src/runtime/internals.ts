import type { ResolvedBudgets } from '../ledger/budget-config.js';
import type { Pipeline } from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';

/** What this process's worker is doing, for health checks and metrics. */
export interface WorkerStatus {
  /** start() was called and stop() was not. */
  readonly running: boolean;
  /** stop() was called and running attempts are finishing. */
  readonly draining: boolean;
  /** Attempts running here now. */
  readonly active: number;
  readonly concurrency: number;
}

/**
 * The parts of a Holdfast instance that the layers above the runtime (the server, the CLI) need
 * and that are not public API: the open store and event bus, the pipelines by name, the resolved
 * budgets and the worker's status. Reached through `internalsOf(hf)`, never exported from the
 * package's entry point.
 */
export interface HoldfastInternals {
  /** Opens the database if needed (migrating unless `migrate: false`) and returns the services. */
  open(): Promise<RuntimeServices>;
  readonly pipelines: ReadonlyMap<string, Pipeline>;
  readonly budgets: ResolvedBudgets;
  workerStatus(): WorkerStatus;
}

const registry = new WeakMap<object, HoldfastInternals>();

export function registerInternals(hf: object, internals: HoldfastInternals): void {
  registry.set(hf, internals);
}

/** The internals of an instance made by createHoldfast. */
export function internalsOf(hf: object): HoldfastInternals {
  const found = registry.get(hf);
  if (found === undefined) throw new Error('internalsOf: not a Holdfast instance made by createHoldfast');
  return found;
}
