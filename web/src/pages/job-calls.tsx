import type { JobSpend } from '../api/client';
import type { LiveEvent } from '../api/live';
import { useI18n } from '../i18n/i18n';

/** The provider calls the job's steps made, one row per attempt, with the tokens each used. */
export function JobCalls({ events }: { events: readonly LiveEvent[] }) {
  const { m, f } = useI18n();
  const calls = events.filter((e) => e.type === 'step:call');
  return (
    <section className="panel" aria-labelledby="calls-title">
      <h2 id="calls-title">
        {m.job.calls} ({f.num(calls.length)})
      </h2>
      {calls.length === 0 ? (
        <p className="muted">{m.job.noCalls}</p>
      ) : (
        <div className="table-scroll">
          <table className="table calls-table cards-on-mobile" data-testid="calls">
            <thead>
              <tr>
                <th scope="col">{m.job.callTime}</th>
                <th scope="col">{m.job.callStep}</th>
                <th scope="col">{m.job.callProvider}</th>
                <th scope="col">{m.job.callOutcome}</th>
                <th scope="col">{m.job.callDuration}</th>
                <th scope="col">{m.job.callTokens}</th>
              </tr>
            </thead>
            <tbody>
              {calls.map((e) => {
                const p = e.payload;
                const usage = Object.entries((p.usage ?? {}) as Record<string, number>);
                return (
                  <tr key={e.seq}>
                    <td data-label={m.job.callTime}>
                      <time dateTime={e.at}>{f.time(e.at)}</time>
                    </td>
                    <td data-label={m.job.callStep} className="mono">
                      {p.step}
                    </td>
                    <td data-label={m.job.callProvider}>
                      {p.provider}
                      {p.operation ? <span className="muted small"> {p.operation}</span> : null}
                      {p.attempt > 1 ? (
                        <span className="muted small"> · {m.job.attemptN(p.attempt)}</span>
                      ) : null}
                    </td>
                    <td data-label={m.job.callOutcome}>
                      <span className={`badge outcome-${p.outcome}`}>
                        {m.job.outcomes[p.outcome as 'ok'] ?? p.outcome}
                      </span>
                      {p.status ? <span className="muted small"> HTTP {p.status}</span> : null}
                      {p.errorCode ? <code className="code small"> {p.errorCode}</code> : null}
                      {p.retryInMs ? (
                        <span className="muted small"> · {m.job.retryIn(f.duration(p.retryInMs))}</span>
                      ) : null}
                    </td>
                    <td data-label={m.job.callDuration}>{f.duration(p.durationMs)}</td>
                    <td data-label={m.job.callTokens}>
                      {usage.length === 0
                        ? m.common.none
                        : usage.map(([meter, n]) => (
                            <span key={meter} className="nowrap">
                              {f.num(n)} <span className="muted small">{meter}</span>{' '}
                            </span>
                          ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** What the job's calls were charged, per meter (tokens, USD, requests), and what is held now. */
export function JobSpendPanel({ spend }: { spend: JobSpend | undefined }) {
  const { m, f } = useI18n();
  if (!spend || (Object.keys(spend.charged).length === 0 && Object.keys(spend.held).length === 0))
    return null;
  const label = (meter: string) =>
    meter === 'usd' ? m.job.costUsd : meter === 'requests' ? m.job.requests : meter;
  const order = (entries: Array<[string, number]>) =>
    entries.sort(([a], [b]) => (a === 'usd' ? -1 : b === 'usd' ? 1 : a.localeCompare(b)));
  return (
    <section className="panel" aria-labelledby="spend-title">
      <h2 id="spend-title">{m.job.spend}</h2>
      <dl className="facts" data-testid="spend">
        {order(Object.entries(spend.charged)).map(([meter, n]) => (
          <div key={meter}>
            <dt>{label(meter)}</dt>
            <dd data-testid={`spend-${meter}`}>{f.amount(meter, n)}</dd>
          </div>
        ))}
        {order(Object.entries(spend.held)).map(([meter, n]) => (
          <div key={`held-${meter}`}>
            <dt>{m.job.heldNow(label(meter))}</dt>
            <dd>{f.amount(meter, n)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
