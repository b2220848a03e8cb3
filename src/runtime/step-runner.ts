import {
  type HoldfastError,
  holdfastError,
  NonRetriableError,
  toHoldfastError,
} from '../errors/holdfast-error.js';
import type { ProgressPayload } from '../events/event-map.js';
import type { TimerHandle } from '../time/clock.js';
import { parseDuration } from '../time/duration.js';
import { invoke, raceAbort } from './abort.js';
import type { Attempt } from './attempt.js';
import {
  checkStepName,
  type ProgressUpdate,
  type StagedWrite,
  type StepApi,
  type StepContext,
  type StepOptions,
} from './pipeline.js';
import type { RuntimeServices } from './runtime-services.js';

/** Adds capabilities to every step context (the guarded provider client adds `call` and `stream`). */
export type StepContextExtension = (ctx: StepContext, execution: StepExecution) => Partial<StepContext>;

/** What an extension can see of the running step. */
export interface StepExecution {
  readonly attempt: Attempt;
  readonly name: string;
  readonly signal: AbortSignal;
}

/** The `step` object given to a pipeline's run function for one attempt. */
export function createStepApi(
  attempt: Attempt,
  services: RuntimeServices,
  extend?: StepContextExtension,
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
      if (options.compensate && done.compensated_at === null) {
        attempt.compensations.push({ step: name, output: done.output, fn: options.compensate as never });
      }
      return done.output as T;
    }
    if (attempt.signal.aborted) throw attempt.signal.reason;
    return executeStep(attempt, services, name, options, fn, extend);
  };
  return { run: run as StepApi['run'] };
}

async function executeStep<T>(
  attempt: Attempt,
  services: RuntimeServices,
  name: string,
  options: StepOptions<T>,
  fn: (ctx: StepContext) => Promise<T> | T,
  extend: StepContextExtension | undefined,
): Promise<T> {
  const { clock, batcher } = services;
  const timeoutMs =
    options.timeout === undefined ? undefined : parseDuration(options.timeout, `step '${name}': timeout`);
  const controller = new AbortController();
  const onAttemptAbort = () => controller.abort(attempt.signal.reason);
  attempt.signal.addEventListener('abort', onAttemptAbort, { once: true });
  const startedAt = clock.now();
  let progress: ProgressPayload | undefined;
  let timer: TimerHandle | undefined;
  if (timeoutMs !== undefined) {
    timer = clock.setTimeout(() => {
      controller.abort(
        holdfastError('STEP_TIMEOUT', {
          jobId: attempt.ref.id,
          step: name,
          timeoutMs,
          elapsedMs: clock.now() - startedAt,
          progress,
        }),
      );
    }, timeoutMs);
  }

  // Once the step is over (done, failed or abandoned), late writes and progress are ignored.
  let open = true;
  const writes: StagedWrite[] = [];
  const reporter = new ProgressReporter(services, attempt, name);
  attempt.currentStep = name;

  const ctx: StepContext = {
    signal: controller.signal,
    job: attempt.info,
    step: { name, attempt: attempt.info.attempt },
    sql: services.store,
    progress(doneOrUpdate, total, unit) {
      if (!open) return;
      const update: ProgressUpdate =
        typeof doneOrUpdate === 'number' ? { done: doneOrUpdate, total, unit } : doneOrUpdate;
      progress = progressPayload(name, update);
      attempt.lastProgress = progress;
      reporter.report(progress);
    },
    write(write) {
      if (typeof write !== 'function')
        throw new TypeError(`step '${name}': ctx.write takes a function (sql) => …`);
      if (open) writes.push(write);
    },
    call: noProviders,
    stream: noProviders,
  };
  if (extend) Object.assign(ctx, extend(ctx, { attempt, name, signal: controller.signal }));

  const started = batcher.submit({
    job: attempt.ref,
    stepStart: { name, attempt: attempt.info.attempt, hasCompensation: options.compensate !== undefined },
    events: [
      {
        type: 'step:started',
        payload: { step: name, attempt: attempt.info.attempt, ...planPosition(attempt, name) },
      },
    ],
    jobUpdate: { current_step: name },
  });
  started.catch((error: unknown) => abortOnFence(attempt, error));

  let value: T;
  try {
    value = await raceAbort(
      invoke(() => fn(ctx)),
      controller.signal,
    );
  } catch (thrown) {
    open = false;
    cleanup();
    const error = controller.signal.aborted
      ? (controller.signal.reason as HoldfastError)
      : toHoldfastError(thrown, { step: name, jobId: attempt.ref.id });
    const withProgress = attachProgress(error, progress);
    await batcher
      .submit({
        job: attempt.ref,
        stepFinish: { name, state: 'failed', error: withProgress.serialize(), progress: progress ?? null },
        events: [
          {
            type: 'step:failed',
            payload: {
              step: name,
              attempt: attempt.info.attempt,
              durationMs: clock.now() - startedAt,
              error: withProgress.serialize(),
            },
          },
        ],
      })
      .catch((fenceError: unknown) => abortOnFence(attempt, fenceError));
    throw withProgress;
  }
  open = false;
  cleanup();

  const output = toStoredJson(value, name);
  const durationMs = clock.now() - startedAt;
  const result = await batcher.submit({
    job: attempt.ref,
    writes,
    stepFinish: { name, state: 'succeeded', output, progress: progress ?? null },
    events: [{ type: 'step:succeeded', payload: { step: name, attempt: attempt.info.attempt, durationMs } }],
    onWritesFailed: (error) => {
      const failure = stagedWritesFailed(error, name, attempt.ref.id);
      return {
        stepFinish: { name, state: 'failed', error: failure.serialize(), progress: progress ?? null },
        events: [
          {
            type: 'step:failed',
            payload: { step: name, attempt: attempt.info.attempt, durationMs, error: failure.serialize() },
          },
        ],
      };
    },
  });
  if (result.writesError) throw stagedWritesFailed(result.writesError, name, attempt.ref.id);
  attempt.done.set(name, {
    job_id: attempt.ref.id,
    name,
    state: 'succeeded',
    attempt: attempt.info.attempt,
    runs: 1,
    output,
    error: null,
    progress: progress ?? null,
    has_compensation: options.compensate !== undefined,
    compensated_at: null,
    started_at: new Date(startedAt),
    finished_at: new Date(clock.now()),
  });
  if (options.compensate) attempt.compensations.push({ step: name, output, fn: options.compensate as never });
  if (result.cancelRequested)
    attempt.abort(holdfastError('CANCELLED', { jobId: attempt.ref.id, step: name }));
  return output as T;

  function cleanup() {
    if (timer) clock.clearTimeout(timer);
    attempt.signal.removeEventListener('abort', onAttemptAbort);
    reporter.close();
  }
}

function noProviders(): never {
  throw holdfastError(
    'NOT_FOUND',
    { kind: 'provider', id: '(any)', known: [] },
    { message: 'No providers are configured: pass `providers` to createHoldfast' },
  );
}

/** A fenced operation means another attempt owns the job now: stop this one. */
function abortOnFence(attempt: Attempt, error: unknown): void {
  const reason =
    (error as { code?: unknown }).code === 'LEASE_LOST' ? (error as HoldfastError) : toHoldfastError(error);
  attempt.abort(reason);
}

function stagedWritesFailed(error: HoldfastError, step: string, jobId: string): HoldfastError {
  return holdfastError(
    'STEP_FAILED',
    { step, jobId, name: 'StagedWriteError' },
    {
      message: `Staged writes of step '${step}' failed and were rolled back: ${error.message}`,
      cause: error,
    },
  );
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

function planPosition(attempt: Attempt, name: string): { index?: number; total?: number } {
  const plan = attempt.pipeline.steps;
  if (!plan) return {};
  const index = plan.indexOf(name);
  return index < 0 ? {} : { index: index + 1, total: plan.length };
}

/** The stored form of a step's result: JSON, and the value returned is that JSON parsed back. */
function toStoredJson(value: unknown, step: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new NonRetriableError(
      `Step '${step}' returned a value that cannot be stored as JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return text === undefined ? null : JSON.parse(text);
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
    private readonly step: string,
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
    this.services.batcher
      .submit({
        job: this.attempt.ref,
        stepProgress: { name: this.step, progress },
        jobUpdate: { progress },
        events: [{ type: 'step:progress', payload: progress }],
      })
      .catch((error: unknown) => abortOnFence(this.attempt, error));
  }
}
