/**
 * Holdfast's public API. Everything a user imports comes from here (or from `holdfast/testing`
 * and `holdfast/simulator`); anything not exported is internal and may change.
 */

export type {
  BusMessage,
  BusOptions,
  BusRouteOptions,
  BusStatus,
  BusSubmission,
  DeadLetterBody,
  JobOutcome,
  PublishOutcome,
} from './bus/index.js';
export type { WorkerOptions } from './config/worker-options.js';
export type { ErrorCode, ErrorDetailsMap, HoldfastErrorJSON, Locale } from './errors/index.js';
export {
  errorCodes,
  HoldfastError,
  hasCode,
  isHoldfastError,
  NonRetriableError,
  RetryAfterError,
} from './errors/index.js';
export type {
  AnyHoldfastEvent,
  EventFilter,
  EventListener,
  EventType,
  HoldfastEvent,
  HoldfastEventMap,
  QuotaPayload,
  ReplayOptions,
} from './events/index.js';
export { eventTypes } from './events/index.js';
export type { HoldfastOptions } from './holdfast/create-holdfast.js';
export { createHoldfast } from './holdfast/create-holdfast.js';
export type { HoldfastConfig } from './holdfast/define-config.js';
export { defineConfig } from './holdfast/define-config.js';
export type { AccountOptions, BudgetOptions, PeriodOption } from './ledger/budget-config.js';
export type { ResetPlan } from './ledger/ledger-admin.js';
export type { AccountStatus, EstimateReport, MeterEstimate, UsageReport } from './ledger/ledger-reports.js';
export type { ModelPrice, PricingTable } from './ledger/pricing.js';
export { defaultPricing } from './ledger/pricing.js';
export type { BudgetGate, BudgetHold, CallCost } from './providers/budget-gate.js';
export type { ProviderClient } from './providers/provider-client.js';
export type { HttpAnswer, ProviderOptions } from './providers/provider-config.js';
export type {
  BudgetContext,
  CallOptions,
  ProviderKind,
  ProviderRequest,
  ProviderResponse,
  ProviderStream,
  Usage,
} from './providers/provider-types.js';
export type { Abortable, Holdfast, RuntimeOptions } from './runtime/holdfast.js';
export type { Job, JobState, StepState, StepView } from './runtime/job.js';
export { jobStates, terminalStates } from './runtime/job.js';
export type { JobListFilter, JobPage } from './runtime/jobs-api.js';
export type { Logger } from './runtime/logger.js';
export type {
  AnyPipeline,
  BudgetMode,
  CompensationContext,
  JobInfo,
  Pipeline,
  PipelineInput,
  PipelineOptions,
  PipelineOutput,
  ProgressUpdate,
  RetryOptions,
  RunContext,
  StepApi,
  StepContext,
  StepOptions,
} from './runtime/pipeline.js';
export { definePipeline } from './runtime/pipeline.js';
export type { SubmitOptions, SubmitResult } from './runtime/submit.js';
export type { Clock } from './time/clock.js';
export type { Duration } from './time/duration.js';
