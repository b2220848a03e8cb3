import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ok, type ProviderHealth } from '../api/client';
import { useDebounced, useEventStream } from '../api/live';
import { useNow } from '../components/use-now';
import { useI18n } from '../i18n/i18n';

/** Each provider: its circuit breaker, recent latency and error rate, as this server measured them. */
export function ProvidersPage() {
  const { m, f } = useI18n();
  const client = useQueryClient();
  const now = useNow(15_000);
  const health = useQuery({ queryKey: ['health'], queryFn: () => ok(api.GET('/health')) });
  const refresh = useDebounced(() => void client.invalidateQueries({ queryKey: ['health'] }), 1000);
  // A breaker opening or closing, and every call a step makes, change these figures.
  useEventStream('/v1/events?types=provider:*,step:call', { onEvent: refresh, onOpen: refresh });
  const h = health.data;
  return (
    <div>
      <div className="page-head">
        <h1>{m.providers.title}</h1>
        <span className="live" title={m.common.liveHelp}>
          <span className="live-dot" aria-hidden="true" />
          {m.common.live}
        </span>
      </div>
      {health.isPending ? <p className="muted">{m.common.loading}</p> : null}
      {h ? (
        <>
          <p className="muted">
            {m.providers.summary(
              m.providers.status[h.status],
              h.database.roundTripMs === null ? m.common.none : f.num(h.database.roundTripMs),
              f.num(h.workers.active),
              f.num(h.workers.concurrency),
            )}
          </p>
          {h.providers.length === 0 ? <p className="empty">{m.providers.none}</p> : null}
          <div className="providers" data-testid="providers">
            {h.providers.map((p) => (
              <ProviderCard key={p.name} p={p} now={now} />
            ))}
          </div>
        </>
      ) : null}
    </div>
  );
}

function ProviderCard({ p, now }: { p: ProviderHealth; now: number }) {
  const { m, f } = useI18n();
  const ms = (n: number | null) => (n === null ? m.common.none : f.duration(n));
  return (
    <article
      className="panel provider"
      data-breaker={p.breaker}
      data-testid={`provider-${p.name}`}
      aria-labelledby={`provider-${p.name}`}
    >
      <header className="gauge-head">
        <h2 id={`provider-${p.name}`}>{p.name}</h2>
        <span className="muted small">{p.kind}</span>
        <span className={`badge breaker breaker-${p.breaker}`} data-testid="breaker">
          {m.providers.breaker[p.breaker]}
        </span>
      </header>
      <dl className="gauge-figures">
        <div>
          <dt>{m.providers.p50}</dt>
          <dd>{ms(p.latency.p50Ms)}</dd>
        </div>
        <div>
          <dt>{m.providers.p95}</dt>
          <dd>{ms(p.latency.p95Ms)}</dd>
        </div>
        <div>
          <dt>{m.providers.errorRate}</dt>
          <dd data-testid="error-rate">
            {p.latency.errorRate === null ? m.common.none : f.percent(p.latency.errorRate)}
          </dd>
        </div>
        <div>
          <dt>{m.providers.calls}</dt>
          <dd>{f.num(p.latency.calls)}</dd>
        </div>
        <div>
          <dt>{m.providers.inFlight}</dt>
          <dd>{f.num(p.inFlight)}</dd>
        </div>
        {p.cache ? (
          <div>
            <dt>{m.providers.cache}</dt>
            <dd>{f.percent(p.cache.hitRate)}</dd>
          </div>
        ) : null}
      </dl>
      <p className="small muted">
        {p.latency.lastCallAt
          ? m.providers.lastCall(
              f.relative(p.latency.lastCallAt, Math.max(now, Date.parse(p.latency.lastCallAt))),
            )
          : m.providers.noCalls}
      </p>
      {p.breaker !== 'closed' ? <p className="small">{m.providers.breakerHelp[p.breaker]}</p> : null}
    </article>
  );
}
