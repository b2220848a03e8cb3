import type { HoldfastError, HoldfastErrorJSON } from '../../errors/holdfast-error.js';
import type { EventType, HoldfastEventMap, ProgressPayload } from '../../events/event-map.js';
import type { Sql } from '../../store/store.js';

/**
 * The attempt an operation belongs to: its job, the lease epoch it claimed the job with, and the
 * last seq committed to the job's timeline (advanced by each commit, so events are numbered in
 * one place and a failed commit leaves no gap).
 */
export interface JobRef {
  readonly id: string;
  readonly epoch: number;
  readonly tenant: string | null;
  readonly timeline: {
    seq: number;
    /**
     * Set when one of this attempt's commits failed: its later operations are refused with the
     * same error, so a job never commits an outcome after a checkpoint that was lost.
     */
    failed?: unknown;
  };
}

/** What the running attempt knows of its job row: written whole with each of its commits. */
export interface RunningView {
  readonly currentStep: string | null;
  readonly progress: ProgressPayload | null;
}

export type OpEvent = {
  [T in EventType]: { readonly type: T; readonly payload: HoldfastEventMap[T] };
}[EventType];

export type StagedWrite = (sql: Sql) => Promise<unknown>;

/** A step that finished with a result. */
export interface StepDone {
  readonly name: string;
  readonly attempt: number;
  readonly output: unknown;
  readonly progress: ProgressPayload | null;
  readonly durationMs: number;
}

/**
 * The operations a running attempt commits through the group commit, one per transition. Each is
 * fenced: it lands only while its job is still running under its lease epoch.
 */
export type JobOp =
  | {
      readonly kind: 'startStep';
      readonly name: string;
      readonly attempt: number;
      readonly hasCompensation: boolean;
      readonly index?: number | undefined;
      readonly total?: number | undefined;
    }
  | {
      readonly kind: 'checkpoint';
      readonly step: StepDone;
      /** Staged user writes, run in a savepoint before the rest of the commit. */
      readonly writes: readonly StagedWrite[];
    }
  | {
      readonly kind: 'failStep';
      readonly name: string;
      readonly attempt: number;
      readonly error: HoldfastErrorJSON;
      readonly progress: ProgressPayload | null;
      readonly durationMs: number;
    }
  | { readonly kind: 'progress'; readonly progress: ProgressPayload }
  | { readonly kind: 'call'; readonly payload: HoldfastEventMap['step:call'] }
  | { readonly kind: 'heartbeat' }
  | {
      readonly kind: 'compensated';
      readonly step: string;
      readonly ok: boolean;
      readonly message?: string | undefined;
    }
  | {
      readonly kind: 'scheduleRetry';
      readonly runAt: number;
      readonly attempt: number;
      readonly delayMs: number;
      readonly source: 'hint' | 'backoff';
      readonly error: HoldfastErrorJSON;
    }
  | {
      readonly kind: 'park';
      readonly runAt: number;
      readonly reason: 'budget';
      readonly detail: string;
      readonly attempt: number;
      readonly retryDelayMs: number | null;
    }
  | {
      readonly kind: 'requeue';
      readonly runAt: number;
      readonly detail: string;
      readonly attempt: number;
      readonly retryDelayMs: number | null;
    }
  | {
      readonly kind: 'succeed';
      readonly attempt: number;
      readonly output: unknown;
      readonly durationMs: number;
    }
  | { readonly kind: 'fail'; readonly attempt: number; readonly error: HoldfastErrorJSON }
  | { readonly kind: 'cancel'; readonly reason: string | undefined; readonly error: HoldfastErrorJSON };

/** An operation with the attempt it comes from. */
export interface JobCommand {
  readonly job: JobRef;
  readonly view: RunningView;
  readonly op: JobOp;
}

export interface CommandResult {
  /** The job was asked to stop (seen under the row lock). */
  readonly cancelRequested: boolean;
  /** Set when the checkpoint's staged writes failed: the step was recorded failed instead. */
  readonly writesError?: HoldfastError | undefined;
}
