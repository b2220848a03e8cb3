import { holdfastError } from '../../errors/holdfast-error.js';

/**
 * Who is calling. Authentication turns a credential into one of these; every route then decides
 * from it alone what the caller may see and do. A dashboard session (a cookie) resolves to the
 * same kinds, so routes never look at where a principal came from.
 */
export type Principal =
  | {
      readonly kind: 'admin';
      /**
       * The admin key, the CLI's local credential, a server started without authentication, or a
       * dashboard session opened with the admin key (or the sign-in link).
       */
      readonly via: 'key' | 'local' | 'no-auth' | 'session';
    }
  | { readonly kind: 'tenant'; readonly tenant: string; readonly keyId: string }
  | {
      /** A short-lived token that may only read one job and its events (for browsers). */
      readonly kind: 'job';
      readonly jobId: string;
      readonly tenant: string | null;
      readonly expiresAt: number;
    };

/**
 * Who may call a route: anyone (`public`), the admin only (`admin`), the admin or a tenant key
 * (`tenant`), or also a job token, for routes about one job (`job`).
 */
export type Access = 'public' | 'admin' | 'tenant' | 'job';

/** Refuses a principal that may not use a route of this access level. */
export function authorize(access: Access, principal: Principal | undefined, action: string): void {
  if (access === 'public') return;
  if (principal === undefined) throw holdfastError('UNAUTHORIZED', { reason: 'missing' });
  const allowed =
    principal.kind === 'admin' ||
    (principal.kind === 'tenant' && (access === 'tenant' || access === 'job')) ||
    (principal.kind === 'job' && access === 'job');
  if (!allowed) throw holdfastError('FORBIDDEN', { action, role: principal.kind });
}

/** The tenant a principal is confined to, or undefined for the admin (who sees everything). */
export function tenantOf(principal: Principal | undefined): string | undefined {
  if (principal === undefined || principal.kind === 'admin') return undefined;
  if (principal.kind === 'tenant') return principal.tenant;
  return principal.tenant ?? '';
}

/**
 * Whether a principal may see a job. Another tenant's job is answered as missing (404), never
 * as forbidden, so that ids cannot be probed across tenants.
 */
export function canSeeJob(
  principal: Principal | undefined,
  job: { id: string; tenant: string | null },
): boolean {
  if (principal === undefined) return false;
  switch (principal.kind) {
    case 'admin':
      return true;
    case 'tenant':
      return job.tenant === principal.tenant;
    case 'job':
      return job.id === principal.jobId;
    default: {
      const never: never = principal;
      return never;
    }
  }
}

/** Whether a principal may see an event (live streams filter every event through this). */
export function canSeeEvent(
  principal: Principal,
  event: { readonly jobId: string | null; readonly tenant: string | null },
): boolean {
  switch (principal.kind) {
    case 'admin':
      return true;
    case 'tenant':
      return event.tenant === principal.tenant;
    case 'job':
      return event.jobId === principal.jobId;
    default: {
      const never: never = principal;
      return never;
    }
  }
}
