import { HoldfastError, holdfastError } from '../../errors/holdfast-error.js';
import { localizedMessage } from '../../errors/messages.js';
import type { Locale } from '../../errors/recommendations.js';
import type { Job } from '../../runtime/job.js';
import { resolveJobId } from '../../runtime/job-id.js';
import type { Principal } from '../auth/principal.js';
import type { ServerContext } from '../server-context.js';

/**
 * The job a principal asked for by id or unique prefix. A job the principal may not see is
 * answered exactly like a missing one (404), and a tenant's prefix is matched among its own jobs
 * only, so that neither answer reveals another tenant's ids.
 */
export async function findJob(ctx: ServerContext, principal: Principal, idOrPrefix: string): Promise<Job> {
  const notFound = () => holdfastError('NOT_FOUND', { kind: 'job', id: idOrPrefix });
  switch (principal.kind) {
    case 'admin':
      return ctx.hf.jobs.get(idOrPrefix);
    case 'tenant': {
      const id = await resolveJobId(ctx.services.store, idOrPrefix, { tenant: principal.tenant });
      const job = await ctx.hf.jobs.get(id);
      if (job.tenant !== principal.tenant) throw notFound();
      return job;
    }
    case 'job': {
      const typed = idOrPrefix.trim().toLowerCase();
      const own = principal.jobId.toLowerCase();
      if (typed.length === 0 || !(own.startsWith(typed) || own.replaceAll('-', '').startsWith(typed))) {
        throw notFound();
      }
      return ctx.hf.jobs.get(principal.jobId);
    }
    default: {
      const never: never = principal;
      return never;
    }
  }
}

/** A job as shown to a caller: its stored errors re-written in the caller's language. */
export function localizeJob(job: Job, locale: Locale): Job {
  if (locale === 'en') return job;
  return {
    ...job,
    error: job.error ? localizeError(job.error, locale) : null,
    ...(job.steps
      ? { steps: job.steps.map((s) => ({ ...s, error: s.error ? localizeError(s.error, locale) : null })) }
      : {}),
  };
}

function localizeError(json: NonNullable<Job['error']>, locale: Locale): NonNullable<Job['error']> {
  const error = HoldfastError.fromJSON(json);
  return {
    ...json,
    message: localizedMessage(error, locale),
    recommendations: error.recommendations(locale),
  };
}

export function jobLinks(id: string) {
  const self = `/v1/jobs/${id}`;
  return {
    self,
    events: `${self}/events`,
    retry: `${self}/retry`,
    cancel: `${self}/cancel`,
    token: `${self}/token`,
  };
}
