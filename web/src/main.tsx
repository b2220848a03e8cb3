import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, setCsrfToken } from './api/client';
import { sessionKey, signedOut } from './api/session';
import { App } from './app';
import { I18nProvider } from './i18n/i18n';
import 'uplot/dist/uPlot.min.css';
import './styles.css';

/** A 401 anywhere means the session is over: back to the sign-in form, whatever page asked. */
function onError(error: unknown) {
  if (error instanceof ApiError && error.status === 401) {
    setCsrfToken(null);
    queryClient.setQueryData(sessionKey, signedOut);
  }
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      // Live streams refresh what changes: no refetch on focus, no interval.
      refetchOnWindowFocus: false,
      staleTime: 10_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <I18nProvider>
        <App />
      </I18nProvider>
    </QueryClientProvider>
  </StrictMode>,
);
