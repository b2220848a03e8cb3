import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../api/client';
import { useSession } from '../api/session';

/** The configured pipelines (fixed for the life of the server). */
export function usePipelines() {
  return useQuery({
    queryKey: ['pipelines'],
    queryFn: () => ok(api.GET('/v1/pipelines')),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * Tenants, suggested in the admin's tenant filters (a tenant's key sees only its own, so it gets
 * none). Read once the filter is used (`wanted`), not with every page load.
 */
export function useTenants(wanted: boolean) {
  const session = useSession();
  const admin = session.data?.role === 'admin';
  return useQuery({
    queryKey: ['tenants'],
    queryFn: () => ok(api.GET('/v1/tenants')),
    enabled: admin && wanted,
    staleTime: 60_000,
  });
}
