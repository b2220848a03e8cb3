import type { LiveEvent } from '../api/live';
import { useI18n } from '../i18n/i18n';

interface Attempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly resumed: boolean;
  readonly takeover: boolean;
  end?: LiveEvent;
}

/** Each attempt of the job: when it started, whether it resumed or took over, and how it ended. */
export function JobAttempts({ events }: { events: readonly LiveEvent[] }) {
  const { m, f } = useI18n();
  const attempts: Attempt[] = [];
  for (const event of events) {
    if (event.type === 'job:started') {
      attempts.push({
        attempt: event.payload.attempt,
        startedAt: event.at,
        resumed: event.payload.resumed,
        takeover: event.payload.takeover,
      });
    } else if (
      ['job:retry-scheduled', 'job:waiting', 'job:succeeded', 'job:failed', 'job:cancelled'].includes(
        event.type,
      ) &&
      attempts.length > 0 &&
      attempts.at(-1)!.end === undefined
    ) {
      attempts.at(-1)!.end = event;
    }
  }
  if (attempts.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="attempts-title">
      <h2 id="attempts-title">{m.job.attempts}</h2>
      <ol className="attempts" data-testid="attempts">
        {attempts.map((a, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a retried job starts attempt 1 again: the index is its identity
          <li key={i}>
            <strong>{m.job.attemptN(a.attempt)}</strong> — {m.job.startedAt(f.date(a.startedAt))}
            {a.resumed ? ` · ${m.job.resumed}` : ''}
            {a.takeover ? ` · ${m.job.takeover}` : ''}
            {a.end ? <> · {describeEnd(a.end)}</> : null}
          </li>
        ))}
      </ol>
    </section>
  );

  function describeEnd(event: LiveEvent): string {
    const p = event.payload;
    switch (event.type) {
      case 'job:retry-scheduled':
        return m.job.retryScheduled(p.error.code, f.date(p.runAt));
      case 'job:waiting':
        return `${m.job.waitReason(p.reason)} ${m.job.until(f.date(p.runAt))}`;
      default:
        return m.eventLabels[event.type] ?? event.type;
    }
  }
}

/** Every event of the job, oldest first: the full story, folded away by default. */
export function JobEvents({ events }: { events: readonly LiveEvent[] }) {
  const { m, f } = useI18n();
  const shown = events.filter((e) => e.type !== 'step:call');
  return (
    <details className="panel">
      <summary>
        {m.job.timeline} ({f.num(shown.length)})
      </summary>
      <ol className="events" data-testid="events">
        {shown.map((e) => (
          <li key={e.seq}>
            <time dateTime={e.at}>{f.time(e.at)}</time>{' '}
            <span className="event-type">{m.eventLabels[e.type] ?? e.type}</span>
            {e.payload?.step ? <span className="mono"> {e.payload.step}</span> : null}
            {e.payload?.error?.code ? <code className="code"> {e.payload.error.code}</code> : null}
          </li>
        ))}
      </ol>
    </details>
  );
}
