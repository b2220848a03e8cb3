import type { StandardSchemaV1 } from '@standard-schema/spec';
import { defaults } from '../config/defaults.js';
import { configError } from '../errors/config-error.js';
import type { ProviderRequest, ProviderResponse, ProviderStream } from '../providers/provider-types.js';
import { type BackoffOptions, type BackoffPolicy, backoffPolicy } from '../resilience/backoff.js';
import type { Sql } from '../store/store.js';
import { type Duration, parseDuration } from '../time/duration.js';

/** What a running job knows about itself. */
export interface JobInfo {
  readonly id: string;
  readonly pipeline: string;
  readonly tenant: string | null;
  /** 1 for the first attempt, 2 after one retry, … */
  readonly attempt: number;
  /** When the job's wall-clock deadline passes (undefined without one). */
  readonly deadline: Date | undefined;
}

/** How far a step has got, as shown in events and in a timeout's diagnosis. */
export interface ProgressUpdate {
  readonly done: number;
  readonly total?: number | undefined;
  /** What is counted: 'chunks', 'ASINs', 'pages'… */
  readonly unit?: string | undefined;
  readonly message?: string | undefined;
}

/** A write to the database staged by a step; it runs in the step's checkpoint transaction. */
export type StagedWrite = (sql: Sql) => Promise<unknown>;

/** The context a step's function receives. */
export interface StepContext {
  /** Fires on the step's timeout, the job's deadline, cancellation or loss of the lease. */
  readonly signal: AbortSignal;
  readonly job: JobInfo;
  readonly step: { readonly name: string; readonly attempt: number };
  /**
   * Reads from the database. Writes that must not survive a failure go through `write`.
   * Do not use it from inside a `write` callback: that callback receives its own handle.
   */
  readonly sql: Sql;
  /** Reports progress: `progress(47, 92, 'chunks')` or `progress({ done, total, unit, message })`. */
  progress(done: number | ProgressUpdate, total?: number, unit?: string): void;
  /**
   * Stages a write. It runs only if the step succeeds, in the same transaction that records the
   * step as done — so a step that fails, times out, is cancelled or whose process dies leaves no
   * partial rows (G1). Writes run in the order they were staged.
   */
  write(fn: StagedWrite): void;
  /**
   * Calls a configured provider through its guarded client: the step's signal and the job's
   * deadline apply, budgets are reserved and settled for this job, and every attempt shows in the
   * job's timeline as a `step:call` event.
   */
  call<B = unknown>(provider: string, request: ProviderRequest): Promise<ProviderResponse<B>>;
  /** Like `call`, for a streamed answer: events as they arrive, metered as they flow. */
  stream(provider: string, request: ProviderRequest): Promise<ProviderStream>;
}

export interface CompensationContext {
  readonly job: JobInfo;
  readonly step: string;
  /** Fires when the compensation timeout passes. */
  readonly signal: AbortSignal;
  readonly sql: Sql;
}

export interface StepOptions<T> {
  /** Longest the step may run (default: until the job's deadline). */
  readonly timeout?: Duration;
  /**
   * Undoes the step's effects outside the database when the job ends failed or cancelled.
   * Compensations run newest first, once each. Writes staged with `ctx.write` need none.
   */
  readonly compensate?: (output: T, ctx: CompensationContext) => Promise<unknown> | unknown;
}

export interface StepApi {
  /**
   * Runs a step once per job: if it already succeeded (in an earlier attempt or before a crash),
   * returns its stored result without running it. Results are stored as JSON, and the value
   * returned is always the stored JSON form, on the first run as on later ones.
   * Names are unique within a job; loops use names like `embed:3`.
   */
  run<T>(name: string, fn: (ctx: StepContext) => Promise<T> | T): Promise<T>;
  run<T>(name: string, options: StepOptions<T>, fn: (ctx: StepContext) => Promise<T> | T): Promise<T>;
}

export interface RunContext<I> {
  readonly input: I;
  readonly step: StepApi;
  readonly job: JobInfo;
  /** Fires on the job's deadline, cancellation or loss of the lease. */
  readonly signal: AbortSignal;
  readonly sql: Sql;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  readonly attempts?: number;
  readonly backoff?: BackoffOptions;
}

export type BudgetMode = 'fail' | 'wait';

export interface PipelineOptions<I, O, In = I> {
  /** Unique name; jobs refer to their pipeline by it. */
  readonly name: string;
  /** Any Standard Schema validator (zod, valibot, arktype…); bad input is a VALIDATION_ERROR. */
  readonly input?: StandardSchemaV1<In, I>;
  /** Wall-clock deadline of a whole run of the job (default 1 h; `false` for none). */
  readonly timeout?: Duration | false;
  readonly retry?: RetryOptions;
  /** Expected usage per meter, before launch: `(input) => ({ 'openai:tokens': 12_000 * input.pages })`. */
  readonly estimate?: (input: I) => Readonly<Record<string, number>>;
  /** Hard cap per meter for one job: `{ 'openai:tokens': 200_000 }`. */
  readonly budget?: Readonly<Record<string, number>>;
  /** When a budget is short at submit: fail at once (default) or wait until it refills. */
  readonly budgetMode?: BudgetMode;
  /** Names of the steps in order, for "step 2/3" and a progress percentage. */
  readonly steps?: readonly string[];
  readonly run: (ctx: RunContext<I>) => Promise<O>;
}

/** A pipeline as the runtime uses it: options checked and defaults resolved. */
export interface Pipeline<I = unknown, O = unknown, In = I> {
  readonly name: string;
  readonly inputSchema: StandardSchemaV1<In, I> | undefined;
  readonly timeoutMs: number | undefined;
  readonly retry: { readonly attempts: number; readonly backoff: BackoffPolicy };
  readonly estimate: ((input: I) => Readonly<Record<string, number>>) | undefined;
  readonly budget: Readonly<Record<string, number>> | undefined;
  readonly budgetMode: BudgetMode;
  readonly steps: readonly string[] | undefined;
  readonly run: (ctx: RunContext<I>) => Promise<O>;
}

/** A pipeline of any input and output types (what collections of pipelines hold). */
// biome-ignore lint/suspicious/noExplicitAny: variance — a Pipeline<{ pages: number }> must fit here
export type AnyPipeline = Pipeline<any, any, any>;

/** Input type a pipeline accepts at submit. */
export type PipelineInput<P> = P extends Pipeline<infer _I, infer _O, infer In> ? In : never;
/** Output type of a pipeline's run. */
export type PipelineOutput<P> = P extends Pipeline<infer _I, infer O, infer _In> ? O : never;

/** Declares a pipeline. Options are checked now: a bad one is CONFIG_INVALID naming it. */
export function definePipeline<I = unknown, O = unknown, In = I>(
  options: PipelineOptions<I, O, In>,
): Pipeline<I, O, In> {
  const { name } = options;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9][a-zA-Z0-9._:-]{0,99}$/.test(name)) {
    throw configError(
      'pipeline.name',
      [
        "must be 1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
        "doit compter de 1 à 100 lettres, chiffres, '.', '_', ':' ou '-', en commençant par une lettre ou un chiffre",
      ],
      name,
    );
  }
  const where = `pipelines.${name}`;
  if (typeof options.run !== 'function')
    throw configError(`${where}.run`, ['must be a function', 'doit être une fonction'], options.run);
  const attempts = options.retry?.attempts ?? defaults.pipeline.attempts;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 1000) {
    throw configError(
      `${where}.retry.attempts`,
      ['must be a whole number from 1 to 1000', 'doit être un nombre entier de 1 à 1 000'],
      attempts,
    );
  }
  const timeoutMs =
    options.timeout === false
      ? undefined
      : options.timeout === undefined
        ? defaults.pipeline.timeoutMs
        : parseDuration(options.timeout, `${where}.timeout`);
  if (timeoutMs !== undefined && timeoutMs < 1)
    throw configError(
      `${where}.timeout`,
      [
        'must be longer than 0, or false for no deadline',
        'doit être supérieur à 0, ou false pour aucune échéance',
      ],
      options.timeout,
    );
  const budgetMode = options.budgetMode ?? 'fail';
  if (budgetMode !== 'fail' && budgetMode !== 'wait') {
    throw configError(
      `${where}.budgetMode`,
      ["must be 'fail' or 'wait'", "doit valoir 'fail' ou 'wait'"],
      budgetMode,
    );
  }
  for (const [meter, cap] of Object.entries(options.budget ?? {})) {
    if (!(cap >= 0) || !Number.isFinite(cap))
      throw configError(
        `${where}.budget['${meter}']`,
        ['must be a number of 0 or more', 'doit être un nombre positif ou nul'],
        cap,
      );
  }
  if (options.steps !== undefined) {
    const duplicate = options.steps.find((step, i) => options.steps!.indexOf(step) !== i);
    if (duplicate !== undefined)
      throw configError(`${where}.steps`, [
        `names step '${duplicate}' twice: step names are unique in a job`,
        `nomme deux fois l'étape « ${duplicate} » : les noms d'étapes sont uniques dans un job`,
      ]);
  }
  return Object.freeze({
    name,
    inputSchema: options.input,
    timeoutMs,
    retry: { attempts, backoff: backoffPolicy(options.retry?.backoff, `${where}.retry.backoff`) },
    estimate: options.estimate,
    budget: options.budget,
    budgetMode,
    steps: options.steps ? Object.freeze([...options.steps]) : undefined,
    run: options.run,
  });
}

/** Step names: what people write, bounded so they fit in events and URLs. */
export function checkStepName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
    throw new RangeError(
      `step name must be a non-empty string of at most 200 characters, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}
