import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api, ok } from './api/client';
import { signedOut, useSession, useSetSession } from './api/session';
import { type Lang, languages, useI18n } from './i18n/i18n';
import { pages } from './pages';
import { NotFoundPage } from './pages/not-found-page';
import { SignInLinkPage, SignInPage } from './pages/sign-in-page';

export function App() {
  const { m } = useI18n();
  const session = useSession();
  const [location] = useLocation();
  if (location === '/sign-in') {
    return (
      <Shell>
        <SignInLinkPage />
      </Shell>
    );
  }
  if (session.isPending) {
    return (
      <Shell>
        <p className="muted">{m.common.loading}</p>
      </Shell>
    );
  }
  if (!session.data?.signedIn) {
    return (
      <Shell>
        <SignInPage failed={session.isError} />
      </Shell>
    );
  }
  return (
    <Shell signedIn>
      <Switch>
        <Route path="/">
          <Redirect to="/jobs" replace />
        </Route>
        {pages.map((page) => (
          <Route key={page.path} path={page.path} component={page.component} />
        ))}
        <Route component={NotFoundPage} />
      </Switch>
    </Shell>
  );
}

/** The frame of every page: skip link, header with navigation, language and session, and the main region. */
function Shell({ children, signedIn = false }: { children: ReactNode; signedIn?: boolean }) {
  const { m, lang, setLang } = useI18n();
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  const shown = useRef(location);
  useEffect(() => {
    // Keyboard and screen-reader users land on the new page's content, not at the top of the old one.
    if (shown.current === location) return;
    shown.current = location;
    main.current?.focus();
  }, [location]);
  return (
    <>
      <a className="skip-link" href="#main">
        {m.common.skipToContent}
      </a>
      <header className="header">
        <div className="header-row">
          <Link href="/jobs" className="brand">
            <img src="/favicon.svg" alt="" width="24" height="24" />
            Holdfast
          </Link>
          <div className="header-tools">
            <label className="language">
              <span className="visually-hidden">{m.common.language}</span>
              <select
                value={lang}
                onChange={(e) => setLang(e.target.value as Lang)}
                data-testid="language"
                aria-label={m.common.language}
              >
                {languages.map((l) => (
                  <option key={l} value={l} lang={l}>
                    {m.common.languageNames[l]}
                  </option>
                ))}
              </select>
            </label>
            {signedIn ? <Who /> : null}
          </div>
        </div>
        {signedIn ? (
          <nav aria-label={m.common.navigation} className="nav">
            {pages
              .filter((p) => p.nav !== undefined)
              .map((p) => {
                const current = location === p.path || (p.path === '/jobs' && location.startsWith('/jobs/'));
                return (
                  <Link
                    key={p.path}
                    href={p.path}
                    aria-current={current ? 'page' : undefined}
                    className="nav-link"
                  >
                    {m.nav[p.nav!]}
                  </Link>
                );
              })}
          </nav>
        ) : null}
      </header>
      <main id="main" ref={main} tabIndex={-1} className="main">
        {children}
      </main>
    </>
  );
}

function Who() {
  const { m } = useI18n();
  const session = useSession();
  const setSession = useSetSession();
  const [, navigate] = useLocation();
  const signOut = useMutation({
    mutationFn: async () => {
      if (session.data?.via === 'session') await ok(api.DELETE('/v1/session'));
    },
    onSettled: () => {
      setSession(signedOut);
      navigate('/jobs');
    },
  });
  const s = session.data;
  if (!s) return null;
  return (
    <div className="who">
      <span data-testid="who">
        {s.role === 'admin' ? m.common.admin : m.common.tenantNamed(s.tenant ?? '')}
      </span>
      {s.via === 'session' ? (
        <button type="button" className="button button-small" onClick={() => signOut.mutate()}>
          {m.common.signOut}
        </button>
      ) : null}
    </div>
  );
}
