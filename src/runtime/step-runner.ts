import {
  type HoldfastError,
  holdfastError,
  NonRetriableError,
  toHoldfastError,
} from '../errors/holdfast-error.js';
import type { ProgressPayload } from '../events/event-map.js';
import type { ProviderClient } from '../providers/provider-client.js';
import type { ProviderRequest } from '../providers/provider-types.js';
import type { Sql } from '../store/store.js';
import type { TimerHandle } from '../time/clock.js';
import { parseDuration } from '../time/duration.js';
import { type AbortReason, AbortScope, invoke, WorkerStopping } from './abort-scope.js';
import type { Attempt } from './attempt.js';
import {
  checkStepName,
  type ProgressUpdate,
  type StagedWrite,
  type StepApi,
  type StepContext,
  type StepOptions,
} from './pipeline.js';
import { providerCall } from './provider-calls.js';
import type { RuntimeServices } from './runtime-services.js';

/** The `step` object given to a pipeline's run function for one attempt. */
export function createStepApi(
  attempt: Attempt,
  services: RuntimeServices,
  providers: ReadonlyMap<string, ProviderClient>,
): StepApi {
  const run = async <T>(name: string, a: unknown, b?: unknown): Promise<T> => {
    const options = (typeof a === 'function' ? {} : (a ?? {})) as StepOptions<T>;
    const fn = (typeof a === 'function' ? a : b) as (ctx: StepContext) => Promise<T> | T;
    checkStepName(name);
    if (typeof fn !== 'function')
      throw new RangeError(`step '${name}': the last argument must be a function`);
    if (attempt.usedNames.has(name)) {
      throw new NonRetriableError(
        `Step name '${name}' is used twice in one run of job ${attempt.ref.id}; names must be unique (use 'embed:3' in loops)`,
      );
    }
    attempt.usedNames.add(name);

    const done = attempt.done.get(name);
    if (done !== undefined) {
      // Checkpointed: return the stored result, never run (nor pay for) the step again (G2).
      if (options.compensate && !done.compensated) {
        attempt.compensations.push({ step: name, output: done.output, fn: options.compensate as never });
      }
      return done.output as T;
    }
    // The previous step's checkpoint must be durable before this step can do anything (G2).
    await attempt.settled();
    if (attempt.scope.aborted) throw attempt.scope.reason;
    const running = executeStep(attempt, services, providers, name, options, fn);
    attempt.running = running;
    return running;
  };
  return { run: run as StepApi['run'] };
}

async function executeStep<T>(
  attempt: Attempt,
  services: RuntimeServices,
  providers: ReadonlyMap<string, ProviderClient>,
  name: string,
  options: StepOptions<T>,
  fn: (ctx: StepContext) => Promise<T> | T,
): Promise<T> {
  const { clock } = services;
  const timeoutMs =
    options.timeout === undefined ? undefined : parseDuration(options.timeout, `step '${name}': timeout`);
  const startedAt = clock.now();
  const scope = new AbortScope();
  const detach = attempt.scope.onAbort((reason) => scope.abort(reason));
  const ctx = new StepRun(attempt, services, providers, name, scope, startedAt, timeoutMs);
  let timer: TimerHandle | undefined;
  if (timeoutMs !== undefined) {
    timer = clock.setTimeout(() => {
      scope.abort(
        holdfastError('STEP_TIMEOUT', {
          jobId: attempt.ref.id,
          step: name,
          timeoutMs,
          elapsedMs: clock.now() - startedAt,
          progress: ctx.lastProgress,
        }),
      );
    }, timeoutMs);
  }
  attempt.view.currentStep = name;
  const plan = attempt.pipeline.steps;
  const index = plan ? plan.indexOf(name) : -1;
  attempt
    .commit({
      kind: 'startStep',
      name,
      attempt: attempt.info.attempt,
      hasCompensation: options.compensate !== undefined,
      ...(index >= 0 ? { index: index + 1, total: plan!.length } : {}),
    })
    .catch((error: unknown) => attempt.abortOnCommitFailure(error));

  let value: T;
  try {
    value = await scope.race(invoke(() => fn(ctx)));
  } catch (thrown) {
    ctx.close();
    cleanup();
    const reason: AbortReason = scope.aborted
      ? scope.reason!
      : toHoldfastError(thrown, { step: name, jobId: attempt.ref.id });
    // Shutdown is not the step's failure, but its run ended: the timeline says so, coded.
    const error =
      reason instanceof WorkerStopping
        ? holdfastError(
            'SHUTTING_DOWN',
            {},
            { message: `Step '${name}' was stopped: the worker is stopping` },
          )
        : attachProgress(reason, ctx.lastProgress);
    await attempt
      .commit({
        kind: 'failStep',
        name,
        attempt: attempt.info.attempt,
        error: error.serialize(),
        progress: ctx.lastProgress ?? null,
        durationMs: clock.now() - startedAt,
      })
      .catch((commitError: unknown) => attempt.abortOnCommitFailure(commitError));
    throw reason instanceof WorkerStopping ? reason : error;
  }
  ctx.close();
  cleanup();

  const output = toStoredJson(value, name);
  const step = {
    name,
    attempt: attempt.info.attempt,
    output,
    progress: ctx.lastProgress ?? null,
    durationMs: clock.now() - startedAt,
  };
  attempt.done.set(name, { name, output, compensated: false });
  if (options.compensate) attempt.compensations.push({ step: name, output, fn: options.compensate as never });
  if (ctx.writes.length === 0) {
    // Nothing of the step's is committed but its result: the run goes on while it commits, and
    // whatever comes next waits for it (the next step) or commits with it (the job's outcome).
    attempt.commitAhead({ kind: 'checkpoint', step, writes: [] });
    return output as T;
  }
  const result = await attempt.commit({ kind: 'checkpoint', step, writes: ctx.writes });
  if (result.writesError) {
    attempt.done.delete(name);
    if (options.compensate) attempt.compensations.pop();
    throw result.writesError;
  }
  if (result.cancelRequested)
    attempt.abort(holdfastError('CANCELLED', { jobId: attempt.ref.id, step: name }));
  return output as T;

  function cleanup() {
    if (timer) clock.clearTimeout(timer);
    detach();
  }
}

/**
 * The context a step's function receives. Its signal, its progress reporter and its provider
 * calls cost nothing until the step uses them.
 */
class StepRun implements StepContext {
  readonly job: StepContext['job'];
  readonly step: StepContext['step'];
  readonly sql: Sql;
  /** Staged writes; once the step is over, late writes and progress are ignored. */
  readonly writes: StagedWrite[] = [];
  lastProgress: ProgressPayload | undefined;
  #open = true;
  #reporter: ProgressReporter | undefined;

  constructor(
    private readonly attempt: Attempt,
    private readonly services: RuntimeServices,
    private readonly providers: ReadonlyMap<string, ProviderClient>,
    private readonly name: string,
    private readonly scope: AbortScope,
    private readonly startedAt: number,
    private readonly timeoutMs: number | undefined,
  ) {
    this.job = attempt.info;
    this.step = { name, attempt: attempt.info.attempt };
    this.sql = services.store;
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  progress(doneOrUpdate: number | ProgressUpdate, total?: number, unit?: string): void {
    if (!this.#open) return;
    const update: ProgressUpdate =
      typeof doneOrUpdate === 'number' ? { done: doneOrUpdate, total, unit } : doneOrUpdate;
    const payload = progressPayload(this.name, update);
    this.lastProgress = payload;
    this.#reporter ??= new ProgressReporter(this.services, this.attempt);
    this.#reporter.report(payload);
  }

  write(write: StagedWrite): void {
    if (typeof write !== 'function')
      throw new TypeError(`step '${this.name}': ctx.write takes a function (sql) => …`);
    if (this.#open) this.writes.push(write);
  }

  call<B = unknown>(provider: string, request: ProviderRequest) {
    return providerCall(this.#callContext(), provider, (client, options) =>
      client.request<B>(request, options),
    );
  }

  stream(provider: string, request: ProviderRequest) {
    return providerCall(this.#callContext(), provider, (client, options) => client.stream(request, options));
  }

  close(): void {
    this.#open = false;
    this.#reporter?.close();
  }

  #callContext() {
    return {
      attempt: this.attempt,
      providers: this.providers,
      step: this.name,
      signal: this.scope.signal,
      stepDeadline: this.timeoutMs === undefined ? undefined : this.startedAt + this.timeoutMs,
    };
  }
}

/** Puts the step's last progress into a failure's details, if it has none. */
function attachProgress(error: HoldfastError, progress: ProgressPayload | undefined): HoldfastError {
  if (progress === undefined || (error.details as { progress?: unknown }).progress !== undefined)
    return error;
  if (error.code !== 'STEP_FAILED' && error.code !== 'JOB_TIMEOUT') return error;
  return holdfastError(error.code, { ...error.details, progress: snapshot(progress) } as never, {
    message: error.message,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    cause: error.cause,
  });
}

function snapshot(p: ProgressPayload) {
  return { done: p.done, total: p.total, unit: p.unit, percent: p.percent, message: p.message };
}

function progressPayload(step: string, update: ProgressUpdate): ProgressPayload {
  const { done, total, unit, message } = update;
  if (!Number.isFinite(done)) throw new RangeError(`step '${step}': progress done must be a number`);
  const percent = total !== undefined && total > 0 ? Math.min(100, (done / total) * 100) : undefined;
  return {
    step,
    done,
    total,
    unit,
    percent: percent === undefined ? undefined : Math.round(percent * 100) / 100,
    message,
  };
}

/** The stored form of a step's result: JSON, and the value returned is that JSON parsed back. */
function toStoredJson(value: unknown, step: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new NonRetriableError(
      `Step '${step}' returned a value that cannot be stored as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (text === undefined) return null;
  // Primitives come back as they are; only objects need a copy through JSON.
  return typeof value === 'object' && value !== null ? JSON.parse(text) : value;
}

/**
 * Sends a step's progress as events: at most one per interval, and the latest value always lands
 * (a trailing report). The step's final progress is also stored with its checkpoint.
 */
class ProgressReporter {
  #last = Number.NEGATIVE_INFINITY;
  #pending: ProgressPayload | undefined;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(
    private readonly services: RuntimeServices,
    private readonly attempt: Attempt,
  ) {}

  report(progress: ProgressPayload): void {
    if (this.#closed) return;
    const { clock, options } = this.services;
    const wait = this.#last + options.progressIntervalMs - clock.now();
    if (wait <= 0) {
      this.#send(progress);
      return;
    }
    this.#pending = progress;
    this.#timer ??= clock.setTimeout(() => {
      this.#timer = undefined;
      const pending = this.#pending;
      this.#pending = undefined;
      if (pending && !this.#closed) this.#send(pending);
    }, wait);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) this.services.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #send(progress: ProgressPayload): void {
    this.#last = this.services.clock.now();
    this.attempt.view.progress = progress;
    this.attempt
      .commit({ kind: 'progress', progress })
      .catch((error: unknown) => this.attempt.abortOnCommitFailure(error));
  }
}
