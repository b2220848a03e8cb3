import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import type { Usage } from '../api/client';
import { useI18n } from '../i18n/i18n';

export type UsageMetric = 'tokens' | 'usd';

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** Days from `from` to `to` (YYYY-MM-DD, UTC), as seconds since the epoch. */
function days(from: string, to: string): number[] {
  const out: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(t / 1000);
  return out;
}

/**
 * Usage per day and provider, in tokens or in US dollars (uPlot). Axes and legend are formatted
 * with Intl in the reader's language; the same figures are in the table beside it.
 */
export function UsageChart({ usage, metric }: { usage: Usage; metric: UsageMetric }) {
  const { f, locale, m } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const { data, providers } = useMemo(() => {
    const x = days(usage.from, usage.to);
    const index = new Map(x.map((t, i) => [new Date(t * 1000).toISOString().slice(0, 10), i]));
    const providers = [...new Set(usage.rows.map((r) => r.provider))].sort();
    const series = providers.map(() => x.map(() => 0));
    for (const row of usage.rows) {
      const i = index.get(row.day.slice(0, 10));
      const p = providers.indexOf(row.provider);
      if (i === undefined || p < 0) continue;
      series[p]![i]! += metric === 'usd' ? row.costUsd : row.tokensIn + row.tokensOut;
    }
    return { data: [x, ...series] as uPlot.AlignedData, providers };
  }, [usage, metric]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const day = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const value = (n: number | null) => (n === null ? '' : metric === 'usd' ? f.money(n) : f.num(n));
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 260,
        series: [
          { label: m.quotas.day, value: (_u, t) => (t === null ? '' : day.format(t * 1000)) },
          ...providers.map((name, i) => ({
            label: name,
            stroke: palette[i % palette.length],
            width: 2,
            points: { show: true, size: 6 },
            value: (_u: uPlot, n: number | null) => value(n),
          })),
        ],
        axes: [
          // One tick per day at most (uPlot would otherwise mark every few hours).
          {
            values: (_u, splits) => splits.map((t) => day.format(t * 1000)),
            incrs: [86_400, 2 * 86_400, 7 * 86_400],
          },
          { values: (_u, splits) => splits.map((n) => value(n)), size: 80 },
        ],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        legend: { show: true, live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, providers, metric, locale, f, m]);

  return (
    <figure className="chart">
      <div
        ref={box}
        role="img"
        aria-label={m.quotas.chartLabel(metric === 'usd' ? m.quotas.usd : m.quotas.tokens)}
        data-testid="usage-chart"
      />
    </figure>
  );
}
