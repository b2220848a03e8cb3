import type { Job, Step } from '../api/client';
import type { LiveEvent } from '../api/live';
import { ProgressBar } from '../components/progress-bar';
import { StateBadge } from '../components/state-badge';
import { useNow } from '../components/use-now';
import { useI18n } from '../i18n/i18n';

type ProgressPayload = NonNullable<Job['progress']>;

interface Row {
  readonly name: string;
  readonly step: Step | undefined;
}

/**
 * The steps in order: those the pipeline declares (some perhaps not started yet), then any other
 * it ran (`embed:3` in a loop). Each shows its state, attempts, duration, its live progress
 * ("47/92 chunks") and, when it failed, its error.
 */
export function StepTimeline(props: {
  job: Job;
  live: Record<string, ProgressPayload>;
  events: readonly LiveEvent[];
}) {
  const { m } = useI18n();
  const steps = props.job.steps ?? [];
  const byName = new Map(steps.map((s) => [s.name, s]));
  const planned = props.job.plan?.steps ?? [];
  const rows: Row[] = [
    ...planned.map((name) => ({ name, step: byName.get(name) })),
    ...steps
      .filter((s) => !planned.includes(s.name))
      .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
      .map((s) => ({ name: s.name, step: s })),
  ];
  // A step the stream says has started, before the job's row caught up.
  const startedLive = new Set(
    props.events.filter((e) => e.type === 'step:started').map((e) => e.payload.step as string),
  );
  return (
    <section className="panel" aria-labelledby="steps-title">
      <h2 id="steps-title">{m.job.steps}</h2>
      {rows.length === 0 ? <p className="muted">{m.job.noSteps}</p> : null}
      <ol className="timeline" data-testid="steps">
        {rows.map((row) => (
          <StepRow
            key={row.name}
            row={row}
            live={props.live[row.name]}
            startedLive={startedLive.has(row.name)}
            jobRunning={props.job.state === 'running'}
          />
        ))}
      </ol>
    </section>
  );
}

function StepRow(props: {
  row: Row;
  live: ProgressPayload | undefined;
  startedLive: boolean;
  jobRunning: boolean;
}) {
  const { m, f } = useI18n();
  const { step } = props.row;
  const state = step?.state ?? (props.startedLive && props.jobRunning ? 'running' : undefined);
  const now = useNow(1000, state === 'running');
  const progress = state === 'running' ? (props.live ?? step?.progress) : (step?.progress ?? props.live);
  const duration = step
    ? (step.finishedAt ? Date.parse(step.finishedAt) : now) - Date.parse(step.startedAt)
    : undefined;
  return (
    <li
      className={`timeline-item timeline-${state ?? 'pending'}`}
      data-testid={`step-${props.row.name}`}
      data-state={state ?? 'pending'}
    >
      <div className="timeline-head">
        <span className="timeline-name">{props.row.name}</span>
        {state ? (
          <StateBadge state={state} />
        ) : (
          <span className="badge state-pending">{m.job.notStarted}</span>
        )}
        {step && step.runs > 1 ? <span className="muted small">{m.job.runs(step.runs)}</span> : null}
        {duration !== undefined && duration >= 0 ? (
          <span className="muted small">{f.duration(duration)}</span>
        ) : null}
      </div>
      {progress ? (
        <div data-testid={`progress-${props.row.name}`}>
          <ProgressBar
            done={progress.done}
            total={progress.total}
            unit={progress.unit}
            label={props.row.name}
          />
        </div>
      ) : null}
      {step?.error ? (
        <p className="step-error">
          <code className="code">{step.error.code}</code> {step.error.message}
        </p>
      ) : null}
    </li>
  );
}
