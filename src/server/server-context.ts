import type { Holdfast } from '../runtime/holdfast.js';
import type { HoldfastInternals } from '../runtime/internals.js';
import type { RuntimeServices } from '../runtime/runtime-services.js';
import type { ApiKeys } from './auth/api-keys.js';
import type { JobTokens } from './auth/job-tokens.js';
import type { Sessions } from './dashboard/sessions.js';
import type { ServerMetrics } from './metrics/server-metrics.js';
import type { ResolvedServerOptions } from './server-options.js';
import type { LiveHub } from './streams/live-hub.js';
import type { PipelineOfJob } from './streams/pipeline-of-job.js';
import type { SharedReplay } from './streams/shared-replay.js';

/** Whether the process is serving or shutting down. */
export interface ServerState {
  /** Set at the first SIGTERM: readiness fails, new requests get SHUTTING_DOWN. */
  draining: boolean;
  readonly startedAt: number;
}

/** What the routes share: created once per server. */
export interface ServerContext {
  readonly hf: Holdfast;
  readonly internals: HoldfastInternals;
  readonly services: RuntimeServices;
  readonly options: ResolvedServerOptions;
  readonly keys: ApiKeys;
  readonly tokens: JobTokens;
  /** The dashboard's cookie sessions and one-time sign-in links. */
  readonly sessions: Sessions;
  readonly hub: LiveHub;
  readonly pipelineOf: PipelineOfJob;
  readonly replay: SharedReplay;
  readonly metrics: ServerMetrics;
  readonly state: ServerState;
  readonly version: string;
}
