import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, api, ok } from '../api/client';
import { useSetSession } from '../api/session';
import { ErrorPanel } from '../components/error-panel';
import { useI18n } from '../i18n/i18n';

/** Sign in with a key: the admin key `holdfast start` printed, or a tenant key. */
export function SignInPage({ failed }: { failed: boolean }) {
  const { m } = useI18n();
  const setSession = useSetSession();
  const [key, setKey] = useState('');
  const signIn = useMutation({
    mutationFn: () => ok(api.POST('/v1/session', { body: { key: key.trim() } })),
    onSuccess: (session) => setSession(session),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim() !== '') signIn.mutate();
  };
  const error = signIn.error instanceof ApiError ? signIn.error : undefined;
  return (
    <div className="sign-in">
      <h1>{m.signIn.title}</h1>
      {failed ? <p className="muted">{m.common.serverUnreachable}</p> : null}
      <p>{m.signIn.intro}</p>
      <form onSubmit={submit} className="form" noValidate>
        <div className="field">
          <label htmlFor="key">{m.signIn.key}</label>
          <input
            id="key"
            name="key"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'key-error' : 'key-help'}
            required
          />
          <p id="key-help" className="hint">
            {m.signIn.keyHelp}
          </p>
          {error ? (
            <p id="key-error" className="field-error" role="alert">
              {error.message}
            </p>
          ) : null}
        </div>
        <button
          type="submit"
          className="button button-primary"
          disabled={signIn.isPending || key.trim() === ''}
        >
          {signIn.isPending ? m.signIn.signingIn : m.signIn.submit}
        </button>
      </form>
    </div>
  );
}

/** Redeemed at most once per page load, even if React mounts the page twice. */
let redeemed: string | undefined;

/**
 * The one-time link `holdfast start` prints: `/sign-in#<token>`. The token is in the fragment, so
 * it never reaches a server log or a Referer; the page takes it out of the address bar at once,
 * exchanges it for a session cookie, and goes to the jobs.
 */
export function SignInLinkPage() {
  const { m } = useI18n();
  const setSession = useSetSession();
  const [, navigate] = useLocation();
  const redeem = useMutation({
    mutationFn: (token: string) => ok(api.POST('/v1/session/link', { body: { token } })),
    onSuccess: (session) => {
      setSession(session);
      navigate('/jobs', { replace: true });
    },
  });
  useEffect(() => {
    const token = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, '', '/sign-in');
    if (token && redeemed !== token) {
      redeemed = token;
      redeem.mutate(token);
    }
  }, [redeem.mutate]);
  const error = redeem.error instanceof ApiError ? redeem.error : undefined;
  if (error) {
    return (
      <div className="sign-in">
        <h1>{m.signIn.linkFailed}</h1>
        <ErrorPanel
          title={m.signIn.linkFailedWhy}
          code={error.code}
          message={error.message}
          recommendations={error.recommendations}
        />
        <p>
          <Link href="/jobs" className="button">
            {m.signIn.useKey}
          </Link>
        </p>
      </div>
    );
  }
  if (redeem.isIdle && redeemed === undefined) {
    return (
      <div className="sign-in">
        <h1>{m.signIn.title}</h1>
        <p>{m.signIn.noToken}</p>
        <Link href="/jobs" className="button">
          {m.signIn.useKey}
        </Link>
      </div>
    );
  }
  return (
    <div className="sign-in">
      <h1>{m.signIn.title}</h1>
      <p aria-live="polite">{m.signIn.signingInWithLink}</p>
    </div>
  );
}
