import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useRef, useState } from 'react';
import { Link, useParams } from 'wouter';
import { ApiError, api, type Job, ok, terminalStates } from '../api/client';
import { type LiveEvent, useDebounced, useEventStream } from '../api/live';
import { useSession } from '../api/session';
import { Countdown } from '../components/countdown';
import { ErrorPanel } from '../components/error-panel';
import { StateBadge } from '../components/state-badge';
import { isBudgetRefusal, TokenErrorAlert } from '../components/token-error-alert';
import { useI18n } from '../i18n/i18n';
import { JobCalls, JobSpendPanel } from './job-calls';
import { JobAttempts, JobEvents } from './job-history';
import { StepTimeline } from './step-timeline';

type ProgressPayload = NonNullable<Job['progress']>;

/**
 * One job: what it is doing now (live, from its event stream), what it did, what it cost, and
 * for a failure why and what to do — with Retry (checked against the budget first) and Cancel.
 */
export function JobPage() {
  const { id } = useParams<{ id: string }>();
  const { m, lang } = useI18n();
  const client = useQueryClient();
  const session = useSession();
  const admin = session.data?.role === 'admin';

  const job = useQuery({
    queryKey: ['job', id, lang],
    queryFn: () => ok(api.GET('/v1/jobs/{id}', { params: { path: { id } } })),
  });
  const fullId = job.data?.id;
  const spend = useQuery({
    queryKey: ['spend', fullId],
    queryFn: () => ok(api.GET('/v1/jobs/{id}/spend', { params: { path: { id: fullId! } } })),
    enabled: fullId !== undefined,
  });

  // The job's timeline: replayed from the start, then live. After a retry the stream is opened
  // again from the last event seen, so nothing is shown twice.
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [progress, setProgress] = useState<Record<string, ProgressPayload>>({});
  const lastSeq = useRef(0);
  const [streamFrom, setStreamFrom] = useState<{ after: number; generation: number }>({
    after: 0,
    generation: 0,
  });
  const refresh = useDebounced(() => {
    void client.invalidateQueries({ queryKey: ['job', id] });
    void client.invalidateQueries({ queryKey: ['spend', fullId] });
  }, 250);
  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (event.seq === null || event.seq <= lastSeq.current) return;
      lastSeq.current = event.seq;
      if (event.type === 'step:progress') {
        setProgress((p) => ({ ...p, [event.payload.step]: event.payload }));
        return;
      }
      setEvents((list) => [...list, event]);
      if (event.type === 'step:started') {
        setProgress((p) => {
          const { [event.payload.step]: _, ...rest } = p;
          return rest;
        });
      }
      refresh();
    },
    [refresh],
  );
  useEventStream(
    fullId ? `/v1/jobs/${fullId}/events?after=${streamFrom.after}#${streamFrom.generation}` : null,
    { onEvent, onOpen: refresh },
    { endsWithJob: true },
  );

  const [tokenError, setTokenError] = useState<ApiError | undefined>();
  const [actionError, setActionError] = useState<ApiError | undefined>();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const updated = (next: Job) => {
    client.setQueryData(['job', id, lang], next);
    refresh();
  };
  const retry = useMutation({
    mutationFn: (force: boolean) =>
      ok(
        api.POST('/v1/jobs/{id}/retry', {
          params: { path: { id: fullId! } },
          body: force ? { force: true } : {},
        }),
      ),
    onMutate: () => setActionError(undefined),
    onSuccess: (next) => {
      setTokenError(undefined);
      updated(next);
      setStreamFrom((s) => ({ after: lastSeq.current, generation: s.generation + 1 }));
    },
    onError: (error) => {
      if (isBudgetRefusal(error)) setTokenError(error);
      else if (error instanceof ApiError) setActionError(error);
    },
  });
  const cancel = useMutation({
    mutationFn: () => ok(api.POST('/v1/jobs/{id}/cancel', { params: { path: { id: fullId! } }, body: {} })),
    onMutate: () => setActionError(undefined),
    onSuccess: (next) => {
      setConfirmCancel(false);
      updated(next);
    },
    onError: (error) => {
      setConfirmCancel(false);
      if (error instanceof ApiError) setActionError(error);
    },
  });

  if (job.isPending) return <p className="muted">{m.common.loading}</p>;
  if (job.isError) {
    const error = job.error instanceof ApiError ? job.error : undefined;
    return (
      <div>
        <p>
          <Link href="/jobs">← {m.job.back}</Link>
        </p>
        <h1>{error?.status === 404 ? m.job.notFound : m.common.errorTitle}</h1>
        {error ? (
          <ErrorPanel
            title={m.common.errorTitle}
            code={error.code}
            message={error.message}
            recommendations={error.recommendations}
          />
        ) : null}
      </div>
    );
  }
  const j = job.data;
  const finished = terminalStates.includes(j.state);
  const canRetry = j.state === 'failed' || j.state === 'cancelled';
  const canCancel = !finished && !j.cancelRequested;
  const waitsUntil =
    (j.state === 'waiting' || j.state === 'queued') && Date.parse(j.runAt) > Date.now() ? j.runAt : null;

  return (
    <div className="job-page" data-testid="job-page" data-state={j.state}>
      <p>
        <Link href="/jobs">← {m.job.back}</Link>
      </p>
      <div className="page-head">
        <h1>
          {j.pipeline} <span className="mono muted id">{j.id}</span>
        </h1>
        <StateBadge state={j.state} />
        {!finished ? (
          <span className="live" title={m.common.liveHelp}>
            <span className="live-dot" aria-hidden="true" />
            {m.common.live}
          </span>
        ) : null}
      </div>

      <dl className="facts">
        <div>
          <dt>{m.job.tenant}</dt>
          <dd>{j.tenant ?? m.common.none}</dd>
        </div>
        <div>
          <dt>{m.job.attempt}</dt>
          <dd data-testid="job-attempt">{m.jobs.attemptOf(j.attempt, j.maxAttempts)}</dd>
        </div>
        <Fact label={m.job.created} at={j.createdAt} />
        <Fact label={m.job.started} at={j.startedAt} />
        <Fact label={m.job.finished} at={j.finishedAt} />
        {j.deadlineAt && !finished ? <Fact label={m.job.deadline} at={j.deadlineAt} /> : null}
        {j.plan ? (
          <div>
            <dt>{m.job.plan}</dt>
            <dd>{m.jobs.stepsDone(j.plan.completed, j.plan.steps.length)}</dd>
          </div>
        ) : null}
      </dl>

      <div className="actions">
        {canRetry ? (
          <button
            type="button"
            className="button button-primary"
            onClick={() => retry.mutate(false)}
            disabled={retry.isPending}
            data-testid="retry"
          >
            {retry.isPending ? m.job.retrying : m.job.retry}
          </button>
        ) : null}
        {canCancel && !confirmCancel ? (
          <button
            type="button"
            className="button button-danger"
            onClick={() => setConfirmCancel(true)}
            data-testid="cancel"
          >
            {m.job.cancel}
          </button>
        ) : null}
        {canCancel && confirmCancel ? (
          <fieldset className="confirm">
            <legend className="confirm-question">{m.job.cancelQuestion}</legend>
            <button
              type="button"
              className="button button-danger"
              onClick={() => cancel.mutate()}
              disabled={cancel.isPending}
              data-testid="confirm-cancel"
              // biome-ignore lint/a11y/noAutofocus: the confirmation takes the focus it was opened from
              autoFocus
            >
              {cancel.isPending ? m.job.cancelling : m.job.confirmCancel}
            </button>
            <button type="button" className="button" onClick={() => setConfirmCancel(false)}>
              {m.job.keep}
            </button>
          </fieldset>
        ) : null}
        {j.cancelRequested && !finished ? <span className="muted">{m.job.cancelRequested}</span> : null}
      </div>
      {canRetry ? <p className="hint">{m.job.retryHelp}</p> : null}

      {tokenError ? (
        <TokenErrorAlert
          error={tokenError}
          canForce={admin}
          forcing={retry.isPending}
          onForce={() => retry.mutate(true)}
          onDismiss={() => setTokenError(undefined)}
        />
      ) : null}
      {actionError ? (
        <ErrorPanel
          title={m.job.actionFailed}
          code={actionError.code}
          message={actionError.message}
          recommendations={actionError.recommendations}
        />
      ) : null}

      {waitsUntil ? (
        <section className="panel panel-wait" data-testid="wait-panel" aria-labelledby="wait-title">
          <h2 id="wait-title">{m.job.waitTitle}</h2>
          <p>
            {m.job.waitReason(j.waitReason)} {m.job.runsAgain}{' '}
            <Countdown to={waitsUntil} testId="wait-countdown" />
          </p>
        </section>
      ) : null}

      {j.error && j.state !== 'succeeded' ? (
        <ErrorPanel
          title={j.state === 'waiting' ? m.job.lastError : m.job.whyFailed}
          code={j.error.code}
          message={j.error.message}
          recommendations={j.error.recommendations}
        />
      ) : null}

      <StepTimeline job={j} live={progress} events={events} />
      <JobAttempts events={events} />
      <JobCalls events={events} />
      <JobSpendPanel spend={spend.data} />
      <JobEvents events={events} />

      <details className="panel">
        <summary>{m.job.input}</summary>
        <pre className="json">{JSON.stringify(j.input, null, 2)}</pre>
      </details>
      {j.output !== null && j.output !== undefined ? (
        <details className="panel">
          <summary>{m.job.output}</summary>
          <pre className="json">{JSON.stringify(j.output, null, 2)}</pre>
        </details>
      ) : null}
    </div>
  );
}

function Fact({ label, at }: { label: string; at: string | null }) {
  const { m, f } = useI18n();
  return (
    <div>
      <dt>{label}</dt>
      <dd>{at ? <time dateTime={at}>{f.date(at)}</time> : m.common.none}</dd>
    </div>
  );
}
