import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../api/client';
import { useDebounced, useEventStream } from '../api/live';
import { useSession } from '../api/session';
import { Gauge } from '../components/gauge';
import { UsageChart, type UsageMetric } from '../components/usage-chart';
import { useI18n } from '../i18n/i18n';
import { useTenants } from './use-pipelines';

/** Every budget as a gauge, and usage per provider over 7 or 30 days; the admin may look at one tenant. */
export function QuotasPage() {
  const { m, f } = useI18n();
  const session = useSession();
  const admin = session.data?.role === 'admin';
  const [tenantsWanted, setTenantsWanted] = useState(false);
  const tenants = useTenants(tenantsWanted);
  const client = useQueryClient();
  const [tenant, setTenant] = useState('');
  const [days, setDays] = useState<7 | 30>(7);
  const [metric, setMetric] = useState<UsageMetric>('tokens');
  const forTenant = admin && tenant ? tenant : undefined;

  const quotas = useQuery({
    queryKey: ['quotas', forTenant],
    queryFn: () => ok(api.GET('/v1/quotas', { params: { query: forTenant ? { tenant: forTenant } : {} } })),
  });
  const usage = useQuery({
    queryKey: ['usage', forTenant, days],
    queryFn: () =>
      ok(
        api.GET('/v1/usage', {
          params: { query: { days: String(days), ...(forTenant ? { tenant: forTenant } : {}) } },
        }),
      ),
  });
  const refresh = useDebounced(() => {
    void client.invalidateQueries({ queryKey: ['quotas'] });
    void client.invalidateQueries({ queryKey: ['usage'] });
  }, 1000);
  // Budgets move when jobs reserve, spend and finish: those events refresh the page.
  useEventStream(
    '/v1/events?types=quota:*,job:queued,job:succeeded,job:failed,job:cancelled,step:succeeded',
    {
      onEvent: refresh,
      onOpen: refresh,
    },
  );

  const accounts = quotas.data?.accounts ?? [];
  return (
    <div>
      <div className="page-head">
        <h1>{m.quotas.title}</h1>
        <span className="live" title={m.common.liveHelp}>
          <span className="live-dot" aria-hidden="true" />
          {m.common.live}
        </span>
      </div>
      {admin ? (
        <div className="filters">
          <div className="field">
            <label htmlFor="quota-tenant">{m.quotas.tenant}</label>
            <input
              id="quota-tenant"
              list="quota-tenants"
              value={tenant}
              placeholder={m.quotas.allTenants}
              onChange={(e) => setTenant(e.target.value.trim())}
              autoComplete="off"
              onFocus={() => setTenantsWanted(true)}
            />
            <datalist id="quota-tenants">
              {tenants.data?.tenants.map((t) => (
                <option key={t.id} value={t.id} />
              ))}
            </datalist>
          </div>
        </div>
      ) : null}

      <section aria-labelledby="budgets-title">
        <h2 id="budgets-title">{m.quotas.budgets}</h2>
        {quotas.isPending ? <p className="muted">{m.common.loading}</p> : null}
        {quotas.isSuccess && accounts.length === 0 ? <p className="empty">{m.quotas.noAccounts}</p> : null}
        <div className="gauges" data-testid="gauges">
          {accounts.map((a) => (
            <Gauge key={`${a.scope}|${a.meter}|${a.period}`} account={a} />
          ))}
        </div>
      </section>

      <section aria-labelledby="usage-title" className="panel">
        <div className="page-head">
          <h2 id="usage-title">{m.quotas.usage}</h2>
          <fieldset className="segmented">
            <legend className="visually-hidden">{m.quotas.period}</legend>
            {([7, 30] as const).map((d) => (
              <button
                key={d}
                type="button"
                aria-pressed={days === d}
                onClick={() => setDays(d)}
                className="button button-small"
              >
                {m.quotas.lastDays(d)}
              </button>
            ))}
          </fieldset>
          <fieldset className="segmented">
            <legend className="visually-hidden">{m.quotas.unit}</legend>
            {(['tokens', 'usd'] as const).map((u) => (
              <button
                key={u}
                type="button"
                aria-pressed={metric === u}
                onClick={() => setMetric(u)}
                className="button button-small"
              >
                {u === 'usd' ? m.quotas.usd : m.quotas.tokens}
              </button>
            ))}
          </fieldset>
        </div>
        {usage.data && usage.data.rows.length > 0 ? <UsageChart usage={usage.data} metric={metric} /> : null}
        {usage.data && usage.data.rows.length === 0 ? <p className="empty">{m.quotas.noUsage}</p> : null}
        {usage.data && usage.data.providers.length > 0 ? (
          <div className="table-scroll">
            <table className="table" data-testid="usage-table" aria-label={m.quotas.usage}>
              <thead>
                <tr>
                  <th scope="col">{m.quotas.provider}</th>
                  <th scope="col">{m.quotas.meter}</th>
                  <th scope="col">{m.quotas.calls}</th>
                  <th scope="col">{m.quotas.tokensIn}</th>
                  <th scope="col">{m.quotas.tokensOut}</th>
                  <th scope="col">{m.quotas.cost}</th>
                </tr>
              </thead>
              <tbody>
                {usage.data.providers.map((p) => (
                  <tr key={`${p.provider}|${p.meter}`}>
                    <th scope="row">{p.provider}</th>
                    <td className="mono">{p.meter}</td>
                    <td>{f.num(p.calls)}</td>
                    <td>{f.num(p.tokensIn)}</td>
                    <td>{f.num(p.tokensOut)}</td>
                    <td>{f.money(p.costUsd)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{m.quotas.total}</th>
                  <td />
                  <td>{f.num(usage.data.total.calls)}</td>
                  <td>{f.num(usage.data.total.tokensIn)}</td>
                  <td>{f.num(usage.data.total.tokensOut)}</td>
                  <td>{f.money(usage.data.total.costUsd)}</td>
                </tr>
              </tfoot>
            </table>
          </div>
        ) : null}
      </section>
    </div>
  );
}
