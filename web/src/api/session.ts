import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type Session, setCsrfToken } from './client';

export const sessionKey = ['session'] as const;

/** Who the dashboard is signed in as; keeps the session's CSRF token for the requests that change things. */
export function useSession() {
  return useQuery({
    queryKey: sessionKey,
    queryFn: async () => {
      const session = await ok(api.GET('/v1/session'));
      setCsrfToken(session.csrfToken);
      return session;
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** Records a session just opened (sign-in) or ended (sign-out, expiry). */
export function useSetSession() {
  const client = useQueryClient();
  return (session: Session) => {
    setCsrfToken(session.csrfToken);
    client.setQueryData(sessionKey, session);
    if (!session.signedIn) client.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
  };
}

export const signedOut: Session = {
  signedIn: false,
  role: null,
  tenant: null,
  via: null,
  csrfToken: null,
  expiresAt: null,
};
