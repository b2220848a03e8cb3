import type { Account } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { Countdown } from './countdown';

/**
 * One budget account: used and held against the limit as a bar, amber from the warning threshold
 * (80 % by default), red when full; the figures in words; and when it resets.
 */
export function Gauge({ account }: { account: Account }) {
  const { m, f } = useI18n();
  const a = account;
  const level = a.percent >= 100 ? 'full' : a.warning || a.percent >= 80 ? 'warn' : 'ok';
  const share = (n: number) => (a.limit > 0 ? Math.min(100, (n / a.limit) * 100) : 0);
  const usedShare = share(a.used);
  const heldShare = Math.min(100 - usedShare, share(a.reserved));
  const id = `${a.scope}-${a.meter}-${a.period}`.replace(/[^a-zA-Z0-9-]/g, '-');
  const amount = (n: number) => f.amount(a.meter, n);
  return (
    <article
      className={`gauge gauge-${level}`}
      data-testid={`account-${a.scope}-${a.meter}-${a.period}`}
      aria-labelledby={`${id}-title`}
    >
      <header className="gauge-head">
        <h3 id={`${id}-title`}>
          <span className="mono">{a.meter}</span>
        </h3>
        <span className="muted small">
          {a.scope === 'global' ? m.quotas.global : m.quotas.tenantScope(a.scope.replace(/^tenant:/, ''))} ·{' '}
          {m.quotas.periods[a.period as 'day'] ?? a.period}
        </span>
      </header>
      {/* biome-ignore lint/a11y/useSemanticElements: <meter> draws one value; this bar shows used and held apart */}
      <div
        className="gauge-bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={a.limit}
        aria-valuenow={Math.min(a.used + a.reserved, a.limit)}
        aria-valuetext={m.quotas.meterText(amount(a.used), amount(a.reserved), amount(a.limit))}
        aria-labelledby={`${id}-title`}
      >
        <div className="gauge-used" style={{ width: `${usedShare}%` }} />
        <div className="gauge-held" style={{ width: `${heldShare}%` }} />
        <div className="gauge-mark" aria-hidden="true" />
      </div>
      <dl className="gauge-figures">
        <div>
          <dt>{m.quotas.used}</dt>
          <dd data-testid="used" data-value={a.used}>
            {amount(a.used)}
          </dd>
        </div>
        <div>
          <dt>{m.quotas.held}</dt>
          <dd data-testid="held" data-value={a.reserved}>
            {amount(a.reserved)}
          </dd>
        </div>
        <div>
          <dt>{m.quotas.limit}</dt>
          <dd data-testid="limit" data-value={a.limit}>
            {amount(a.limit)}
          </dd>
        </div>
        <div>
          <dt>{m.quotas.remaining}</dt>
          <dd data-testid="remaining" data-value={a.remaining}>
            {amount(a.remaining)}
          </dd>
        </div>
        <div>
          <dt>{m.quotas.percent}</dt>
          <dd data-testid="percent" data-value={a.percent}>
            {f.percent(a.percent / 100)}
          </dd>
        </div>
      </dl>
      <p className="small">
        {level !== 'ok' ? (
          <strong className="gauge-warning">{level === 'full' ? m.quotas.full : m.quotas.warning} · </strong>
        ) : null}
        {a.resetAt ? (
          <>
            {a.period === 'refill' ? m.quotas.refills : m.quotas.resets}{' '}
            <span data-testid="reset">{f.date(a.resetAt)}</span> (
            <Countdown to={a.resetAt} />)
          </>
        ) : (
          m.quotas.noReset
        )}
      </p>
    </article>
  );
}
