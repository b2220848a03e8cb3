import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError, api, type Estimate, ok, type Pipeline } from '../api/client';
import { useSession } from '../api/session';
import { Countdown } from '../components/countdown';
import { ErrorPanel } from '../components/error-panel';
import { defaults, type JsonSchema, type RawValues, readForm } from '../forms/json-schema';
import { SchemaFields } from '../forms/schema-form';
import { useI18n } from '../i18n/i18n';
import { usePipelines } from './use-pipelines';

/** A value that follows `value` once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * A new job: a form made from the pipeline's input schema, the cost estimate against what the
 * budgets have left (updated as the form is filled in, before any click), then Submit.
 */
export function NewJobPage() {
  const { m } = useI18n();
  const pipelines = usePipelines();
  const session = useSession();
  const admin = session.data?.role === 'admin';
  const search = useSearch();
  const [, navigate] = useLocation();
  const chosen = new URLSearchParams(search).get('pipeline') ?? '';
  const list = pipelines.data?.pipelines ?? [];
  const pipeline = list.find((p) => p.name === chosen) ?? list[0];
  const choose = (name: string) =>
    navigate(name ? `/new?pipeline=${encodeURIComponent(name)}` : '/new', { replace: true });

  return (
    <div>
      <h1>{m.newJob.title}</h1>
      <div className="field">
        <label htmlFor="pipeline">{m.newJob.pipeline}</label>
        <select
          id="pipeline"
          value={pipeline?.name ?? ''}
          onChange={(e) => choose(e.target.value)}
          data-testid="pipeline"
        >
          {list.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        {pipeline?.steps ? <p className="hint">{m.newJob.steps(pipeline.steps.join(' → '))}</p> : null}
      </div>
      {pipelines.isPending ? <p className="muted">{m.common.loading}</p> : null}
      {pipeline ? <JobForm key={pipeline.name} pipeline={pipeline} admin={admin} /> : null}
    </div>
  );
}

function JobForm({ pipeline, admin }: { pipeline: Pipeline; admin: boolean }) {
  const { m, f, lang } = useI18n();
  const [, navigate] = useLocation();
  const schema = useMemo(
    () => (pipeline.inputSchema ?? { type: 'object', properties: {} }) as JsonSchema,
    [pipeline.inputSchema],
  );
  const [values, setValues] = useState<RawValues>(() => defaults(schema));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [tenant, setTenant] = useState('');
  // One key per form: a double click, or a retry after a lost answer, submits once.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const { value, errors } = useMemo(
    () => readForm(schema, values, m.validation, (n) => f.num(n)),
    [schema, values, m.validation, f],
  );
  const valid = Object.keys(errors).length === 0;
  const tenantValue = admin && tenant.trim() ? tenant.trim() : undefined;
  const current = useMemo(
    () => (valid ? { input: value, tenant: tenantValue } : null),
    [valid, value, tenantValue],
  );
  const request = useSettled(current, 300);

  const estimate = useQuery({
    queryKey: ['estimate', pipeline.name, request, lang],
    queryFn: () =>
      ok(
        api.POST('/v1/jobs/estimate', {
          body: {
            pipeline: pipeline.name,
            input: request!.input,
            ...(request!.tenant ? { tenant: request!.tenant } : {}),
          },
        }),
      ),
    enabled: pipeline.hasEstimate && request !== null,
    placeholderData: keepPreviousData,
    staleTime: 0,
  });

  const submit = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/v1/jobs', {
          params: { header: { 'Idempotency-Key': idempotencyKey } },
          body: { pipeline: pipeline.name, input: value, ...(tenantValue ? { tenant: tenantValue } : {}) },
        }),
      ),
    onSuccess: (job) => navigate(`/jobs/${job.id}`),
  });
  const serverErrors = useMemo(() => fieldErrorsOf(submit.error), [submit.error]);

  const refused = estimate.data?.meters.some((meter) => meter.refusal !== null) ?? false;
  const waits = pipeline.budgetMode === 'wait';
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (valid && !(refused && !waits)) submit.mutate();
  };

  return (
    <form className="form new-job" onSubmit={onSubmit} noValidate data-testid="job-form">
      <div className="new-job-grid">
        <fieldset className="fieldset">
          <legend>{m.newJob.input}</legend>
          <SchemaFields
            schema={schema}
            values={values}
            errors={{ ...serverErrors, ...errors }}
            shown={(path) => submitted || touched.has(path) || path in serverErrors}
            onChange={(path, v) => setValues((old) => ({ ...old, [path]: v }))}
            onBlur={(path) => setTouched((old) => new Set(old).add(path))}
          />
          {admin ? (
            <div className="field">
              <label htmlFor="tenant">{m.newJob.tenant}</label>
              <input
                id="tenant"
                value={tenant}
                onChange={(e) => setTenant(e.target.value)}
                autoComplete="off"
                aria-describedby="tenant-hint"
              />
              <p id="tenant-hint" className="hint">
                {m.newJob.tenantHelp}
              </p>
            </div>
          ) : null}
        </fieldset>
        <EstimatePanel
          pipeline={pipeline}
          valid={valid}
          estimate={estimate.data}
          updating={estimate.isFetching}
          error={estimate.error instanceof ApiError ? estimate.error : undefined}
        />
      </div>
      {submit.error instanceof ApiError && Object.keys(serverErrors).length === 0 ? (
        <ErrorPanel
          title={m.newJob.submitFailed}
          code={submit.error.code}
          message={submit.error.message}
          recommendations={submit.error.recommendations}
        />
      ) : null}
      <div className="actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={submit.isPending || (refused && !waits)}
          data-testid="submit-job"
        >
          {submit.isPending ? m.newJob.submitting : m.newJob.submit}
        </button>
        {refused && !waits ? <span className="field-error">{m.newJob.wouldBeRefused}</span> : null}
        {submitted && !valid ? (
          <span className="field-error" role="alert">
            {m.newJob.fixErrors(Object.keys(errors).length)}
          </span>
        ) : null}
      </div>
    </form>
  );
}

/** The server names invalid input fields `body.input.<path>`: shown beside those fields. */
function fieldErrorsOf(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || error.code !== 'VALIDATION_ERROR') return {};
  const issues = (error.details.issues ?? []) as Array<{ path: string; message: string }>;
  const out: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.path.startsWith('body.input.')) out[issue.path.slice('body.input.'.length)] = issue.message;
  }
  return out;
}

/** Per meter: the estimate, the balance, what would remain after, when it resets — and why a submission would be refused. */
function EstimatePanel(props: {
  pipeline: Pipeline;
  valid: boolean;
  estimate: Estimate | undefined;
  updating: boolean;
  error: ApiError | undefined;
}) {
  const { m, f } = useI18n();
  const { estimate } = props;
  const waits = props.pipeline.budgetMode === 'wait';
  return (
    <section
      className="panel estimate"
      aria-labelledby="estimate-title"
      aria-live="polite"
      data-testid="estimate"
    >
      <h2 id="estimate-title">
        {m.estimate.title}
        {props.updating ? <span className="muted small"> {m.estimate.updating}</span> : null}
      </h2>
      {!props.pipeline.hasEstimate ? <p className="muted">{m.estimate.none}</p> : null}
      {props.pipeline.hasEstimate && !estimate && !props.valid ? (
        <p className="muted">{m.estimate.fillIn}</p>
      ) : null}
      {props.error ? <p className="field-error">{props.error.message}</p> : null}
      {props.pipeline.hasEstimate && estimate ? (
        <>
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{m.estimate.meter}</th>
                  <th scope="col">{m.estimate.estimate}</th>
                  <th scope="col">{m.estimate.balance}</th>
                  <th scope="col">{m.estimate.after}</th>
                  <th scope="col">{m.estimate.resets}</th>
                </tr>
              </thead>
              <tbody>
                {estimate.meters.map((meter) => (
                  <tr
                    key={meter.meter}
                    data-testid={`estimate-${meter.meter}`}
                    className={meter.refusal ? 'row-refused' : ''}
                  >
                    <th scope="row" className="mono">
                      {meter.meter}
                    </th>
                    <td data-testid="estimate-amount">{f.amount(meter.meter, meter.estimate)}</td>
                    <td>
                      {meter.balance === null ? m.estimate.unlimited : f.amount(meter.meter, meter.balance)}
                    </td>
                    <td
                      className={meter.remainingAfter !== null && meter.remainingAfter < 0 ? 'negative' : ''}
                    >
                      {meter.remainingAfter === null
                        ? m.common.none
                        : f.amount(meter.meter, meter.remainingAfter)}
                    </td>
                    <td>{meter.resetAt ? <Countdown to={meter.resetAt} /> : m.common.none}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div data-testid="estimate-verdict">
            {estimate.meters.every((meter) => meter.refusal === null) ? (
              <p className="ok-text">{m.estimate.fits}</p>
            ) : null}
            {estimate.meters.map((meter) => {
              if (meter.refusal === null) {
                const after =
                  meter.limit && meter.remainingAfter !== null
                    ? 1 - meter.remainingAfter / meter.limit
                    : undefined;
                return after !== undefined && after >= 0.8 ? (
                  <p key={meter.meter} className="warn-text">
                    {m.estimate.nearLimit(meter.meter, f.percent(after))}
                  </p>
                ) : null;
              }
              return (
                <div key={meter.meter} className="refusal" data-testid="estimate-refusal">
                  <p>
                    <code className="code">{meter.refusal.code}</code>{' '}
                    {meter.refusal.code === 'JOB_TOO_EXPENSIVE'
                      ? m.estimate.tooExpensive(meter.meter, f.num(meter.estimate), f.num(meter.cap ?? 0))
                      : m.estimate.short(
                          meter.scope ?? '',
                          meter.meter,
                          f.amount(meter.meter, meter.balance ?? 0),
                          f.amount(meter.meter, meter.estimate),
                          f.amount(meter.meter, -(meter.remainingAfter ?? 0)),
                        )}
                  </p>
                  {meter.refusal.code !== 'JOB_TOO_EXPENSIVE' && meter.resetAt ? (
                    <p>{m.estimate.resetHint(f.date(meter.resetAt))}</p>
                  ) : null}
                  <p>
                    {waits && meter.refusal.code !== 'JOB_TOO_EXPENSIVE'
                      ? m.estimate.willWait
                      : m.estimate.whatToDo(meter.refusal.code)}
                  </p>
                </div>
              );
            })}
          </div>
        </>
      ) : null}
    </section>
  );
}
