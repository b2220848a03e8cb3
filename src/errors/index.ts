export { configError } from './config-error.js';
export type { ErrorCode } from './error-codes.js';
export { errorCodes, isErrorCode } from './error-codes.js';
export type { CallDecision, ErrorDetailsMap, ProgressSnapshot } from './error-details.js';
export type { Locale } from './format.js';
export { locales } from './format.js';
export type { HoldfastErrorJSON, HoldfastErrorOptions } from './holdfast-error.js';
export {
  HoldfastError,
  hasCode,
  holdfastError,
  isHoldfastError,
  NonRetriableError,
  RetryAfterError,
  toHoldfastError,
} from './holdfast-error.js';
export { pickLocale, recommend } from './recommendations.js';
export type { RenderedError } from './render-error.js';
export { formatError, renderError } from './render-error.js';
export type { ValidationIssue } from './validation-issue.js';
