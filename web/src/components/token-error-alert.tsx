import type { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { Countdown } from './countdown';

/** The figures of a budget refusal, from the answer's X-Token-* headers (and its details when absent). */
export function refusalFigures(error: ApiError) {
  const d = error.details as {
    balance?: number;
    required?: number;
    deficit?: number;
    resetAt?: string;
    meter?: string;
    scope?: string;
    period?: string;
    estimate?: number;
    cap?: number;
    excess?: number;
  };
  const header = (name: string, fallback: number | undefined) => {
    const value = error.headers.get(name);
    return value === null ? fallback : Number(value);
  };
  const retryAfter = error.headers.get('retry-after');
  const resetAt =
    d.resetAt ??
    (retryAfter === null ? undefined : new Date(Date.now() + Number(retryAfter) * 1000).toISOString());
  return {
    balance: header('x-token-balance', d.balance ?? d.cap),
    required: header('x-token-required', d.required ?? d.estimate),
    deficit: header('x-token-deficit', d.deficit ?? d.excess),
    resetAt,
    meter: d.meter,
    scope: d.scope,
    /** Waiting helps (a reset or a refill) unless the job is above its pipeline's own cap. */
    waitingHelps: error.code !== 'JOB_TOO_EXPENSIVE',
  };
}

export function isBudgetRefusal(error: unknown): error is ApiError {
  const code = (error as ApiError | undefined)?.code;
  return code === 'QUOTA_EXCEEDED' || code === 'INSUFFICIENT_TOKENS' || code === 'JOB_TOO_EXPENSIVE';
}

/**
 * The token error alert: a refusal by the budget, with the balance, the amount required and the
 * deficit as badges, when the budget resets (and how long until then), what to do, and for the
 * admin a way to force it through anyway.
 */
export function TokenErrorAlert(props: {
  error: ApiError;
  canForce: boolean;
  forcing: boolean;
  onForce(): void;
  onDismiss(): void;
}) {
  const { m, f } = useI18n();
  const figures = refusalFigures(props.error);
  const meter = figures.meter ?? '';
  const badge = (label: string, value: number | undefined, kind: string, testId: string) => (
    <div className={`figure figure-${kind}`}>
      <span className="figure-label">{label}</span>
      <span className="figure-value" data-testid={testId} data-value={value ?? ''}>
        {value === undefined ? m.common.none : f.amount(meter, value)}
      </span>
    </div>
  );
  return (
    <section
      className="panel panel-alert"
      role="alert"
      aria-labelledby="token-alert-title"
      data-testid="token-alert"
    >
      <h2 id="token-alert-title">{m.tokenAlert.title}</h2>
      <p className="lead">{m.tokenAlert.explain(props.error.code, meter, figures.scope ?? '')}</p>
      <div className="figures">
        {badge(m.tokenAlert.balance, figures.balance, 'balance', 'token-balance')}
        {badge(m.tokenAlert.required, figures.required, 'required', 'token-required')}
        {badge(m.tokenAlert.deficit, figures.deficit, 'deficit', 'token-deficit')}
      </div>
      {figures.resetAt && figures.waitingHelps ? (
        <p data-testid="token-reset" data-value={figures.resetAt}>
          {m.tokenAlert.resets} <strong>{f.date(figures.resetAt)}</strong> (
          <Countdown to={figures.resetAt} testId="token-countdown" />)
        </p>
      ) : (
        <p>{m.tokenAlert.noReset}</p>
      )}
      <h3>{m.common.whatToDo}</h3>
      <ul data-testid="token-recommendations">
        {props.error.recommendations.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <div className="actions">
        {props.canForce ? (
          <button
            type="button"
            className="button button-danger"
            onClick={props.onForce}
            disabled={props.forcing}
          >
            {props.forcing ? m.job.retrying : m.tokenAlert.force}
          </button>
        ) : null}
        <button type="button" className="button" onClick={props.onDismiss}>
          {m.common.close}
        </button>
      </div>
      {props.canForce ? <p className="hint">{m.tokenAlert.forceHelp}</p> : null}
    </section>
  );
}
