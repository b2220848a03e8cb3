import type { HoldfastErrorJSON } from '../errors/holdfast-error.js';

/** A progress report as it appears in events, on jobs and on steps. */
export interface ProgressPayload {
  readonly step: string;
  readonly done: number;
  readonly total?: number | undefined;
  readonly unit?: string | undefined;
  readonly percent?: number | undefined;
  readonly message?: string | undefined;
}

/**
 * Every state change of Holdfast, by name, with its one payload object. The timeline of a job, the
 * live streams, notifications and metrics all read these.
 */
export interface HoldfastEventMap {
  'job:queued': {
    readonly pipeline: string;
    readonly runAt: string;
    /** Set when an operator retried a failed or cancelled job. */
    readonly retryOf?: 'failed' | 'cancelled' | undefined;
  };
  'job:started': {
    readonly pipeline: string;
    readonly attempt: number;
    readonly workerId: string;
    /** The job had run before: completed steps will return their checkpoints. */
    readonly resumed: boolean;
    /** A dead worker's lease expired and this worker took the job over. */
    readonly takeover: boolean;
  };
  'step:started': {
    readonly step: string;
    readonly attempt: number;
    readonly index?: number;
    readonly total?: number;
  };
  'step:progress': ProgressPayload;
  'step:succeeded': { readonly step: string; readonly attempt: number; readonly durationMs: number };
  'step:failed': {
    readonly step: string;
    readonly attempt: number;
    readonly durationMs: number;
    readonly error: HoldfastErrorJSON;
  };
  /** A guarded provider call made by a step: one per attempt, so retries are visible. */
  'step:call': {
    readonly step: string;
    readonly provider: string;
    readonly operation?: string | undefined;
    readonly attempt: number;
    readonly status?: number | undefined;
    readonly durationMs: number;
    readonly outcome: 'ok' | 'retry' | 'error' | 'cached';
    readonly usage?: Readonly<Record<string, number>> | undefined;
    readonly errorCode?: string | undefined;
    readonly retryInMs?: number | undefined;
  };
  'step:compensated': { readonly step: string; readonly ok: boolean; readonly message?: string | undefined };
  'job:retry-scheduled': {
    readonly attempt: number;
    readonly nextAttempt: number;
    readonly runAt: string;
    readonly delayMs: number;
    readonly source: 'hint' | 'backoff';
    readonly error: HoldfastErrorJSON;
  };
  'job:waiting': {
    readonly reason: 'budget' | 'worker-stopped' | 'circuit-open' | 'scheduled' | 'database-outage';
    readonly runAt: string;
    readonly detail?: string | undefined;
  };
  'job:succeeded': { readonly attempt: number; readonly durationMs: number };
  'job:failed': { readonly attempt: number; readonly error: HoldfastErrorJSON };
  'job:cancelled': { readonly reason?: string | undefined; readonly error?: HoldfastErrorJSON | undefined };
  'quota:warning': QuotaPayload;
  'quota:exceeded': QuotaPayload;
  'provider:circuit-opened': {
    readonly provider: string;
    readonly failures: number;
    readonly retryAfterMs: number;
    readonly reason: string;
  };
  'provider:circuit-closed': { readonly provider: string };
}

export interface QuotaPayload {
  readonly scope: string;
  readonly meter: string;
  readonly period: string;
  readonly periodStart: string;
  readonly threshold: number;
  readonly used: number;
  readonly limit: number;
  readonly percent: number;
  readonly resetAt?: string | undefined;
}

export type EventType = keyof HoldfastEventMap;

export const eventTypes: readonly EventType[] = [
  'job:queued',
  'job:started',
  'step:started',
  'step:progress',
  'step:succeeded',
  'step:failed',
  'step:call',
  'step:compensated',
  'job:retry-scheduled',
  'job:waiting',
  'job:succeeded',
  'job:failed',
  'job:cancelled',
  'quota:warning',
  'quota:exceeded',
  'provider:circuit-opened',
  'provider:circuit-closed',
];

/** An event as stored and delivered. */
export interface HoldfastEvent<T extends EventType = EventType> {
  /** Global id (insertion order). */
  readonly id: number;
  readonly type: T;
  /** The job it belongs to, or null for quota and provider events. */
  readonly jobId: string | null;
  /** Position in the job's timeline (1, 2, 3…), or null for events without a job. */
  readonly seq: number | null;
  readonly tenant: string | null;
  readonly at: string;
  readonly payload: HoldfastEventMap[T];
}

/** The union of all events, discriminated by `type`. */
export type AnyHoldfastEvent = { [T in EventType]: HoldfastEvent<T> }[EventType];

/** An event about to be stored: its id and, for job events, its seq are assigned on insert. */
export interface NewEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly jobId: string | null;
  readonly seq: number | null;
  readonly tenant: string | null;
  readonly at: number;
  readonly payload: HoldfastEventMap[T];
}

export type AnyNewEvent = { [T in EventType]: NewEvent<T> }[EventType];
