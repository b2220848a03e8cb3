import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** The API's types, generated from its OpenAPI document (see scripts/generate-api-types.ts). */
export type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobState = Job['state'];
export type Step = NonNullable<Job['steps']>[number];
export type JobError = Schemas['JobError'];
export type Account = Schemas['Account'];
export type Session = Schemas['Session'];
export type JobCounts = Schemas['JobCounts'];
export type JobSpend = Schemas['JobSpend'];
type Ok<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer B } } };
}
  ? B
  : never;
export type Pipeline = Ok<'/v1/pipelines', 'get'>['pipelines'][number];
export type Estimate = Ok<'/v1/jobs/estimate', 'post'>;
export type Usage = Ok<'/v1/usage', 'get'>;
export type Health = Ok<'/health', 'get'>;
export type ProviderHealth = Health['providers'][number];

export const jobStates: readonly JobState[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
];
export const terminalStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** An error answer of the API: its envelope, and the headers that carry figures (X-Token-*, Retry-After). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly recommendations: readonly string[];
  readonly headers: Headers;

  constructor(status: number, envelope: Schemas['Error'] | undefined, headers: Headers) {
    super(envelope?.error.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = envelope?.error.code ?? 'INTERNAL';
    this.details = envelope?.error.details ?? {};
    this.recommendations = envelope?.error.recommendations ?? [];
    this.headers = headers;
  }
}

/**
 * What every request carries: the reader's language (the server answers errors and
 * recommendations in it) and, when signed in with a cookie, the session's CSRF token on changes.
 */
const context = { language: 'en', csrfToken: null as string | null };

export function setApiLanguage(language: string): void {
  context.language = language;
}

export function setCsrfToken(token: string | null): void {
  context.csrfToken = token;
}

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? '' });

api.use({
  onRequest({ request }) {
    request.headers.set('accept-language', context.language);
    if (context.csrfToken && request.method !== 'GET') request.headers.set('x-csrf-token', context.csrfToken);
    return request;
  },
});

/** The body of a successful answer, or an ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    throw new ApiError(response.status, error as Schemas['Error'] | undefined, response.headers);
  }
  return data as T;
}
