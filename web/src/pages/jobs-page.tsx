import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, type Job, type JobState, jobStates, ok } from '../api/client';
import { useDebounced, useEventStream } from '../api/live';
import { useSession } from '../api/session';
import { Countdown } from '../components/countdown';
import { ProgressBar } from '../components/progress-bar';
import { StateBadge } from '../components/state-badge';
import { useNow } from '../components/use-now';
import { useI18n } from '../i18n/i18n';
import { usePipelines, useTenants } from './use-pipelines';

interface Filters {
  readonly state?: JobState;
  readonly pipeline?: string;
  readonly tenant?: string;
}

/** The filters live in the address (`/jobs?state=failed&pipeline=…`): links and Back keep them. */
function useFilters(): [Filters, (next: Filters) => void] {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => {
    const params = new URLSearchParams(search);
    const state = params.get('state');
    return {
      ...(state && (jobStates as readonly string[]).includes(state) ? { state: state as JobState } : {}),
      ...(params.get('pipeline') ? { pipeline: params.get('pipeline')! } : {}),
      ...(params.get('tenant') ? { tenant: params.get('tenant')! } : {}),
    };
  }, [search]);
  const set = (next: Filters) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v) params.set(k, v);
    const query = params.toString();
    navigate(query ? `/jobs?${query}` : '/jobs', { replace: true });
  };
  return [filters, set];
}

export function JobsPage() {
  const { m, f } = useI18n();
  const [filters, setFilters] = useFilters();
  const session = useSession();
  const admin = session.data?.role === 'admin';
  const pipelines = usePipelines();
  const [tenantsWanted, setTenantsWanted] = useState(false);
  const tenants = useTenants(tenantsWanted);
  const client = useQueryClient();
  const now = useNow(30_000);

  const jobs = useInfiniteQuery({
    queryKey: ['jobs', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      ok(
        api.GET('/v1/jobs', {
          params: {
            query: {
              ...(filters.state ? { state: filters.state } : {}),
              ...(filters.pipeline ? { pipeline: filters.pipeline } : {}),
              ...(filters.tenant && admin ? { tenant: filters.tenant } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
              limit: '50',
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.next ?? undefined,
  });
  const countFilters = { pipeline: filters.pipeline, tenant: admin ? filters.tenant : undefined };
  const counts = useQuery({
    queryKey: ['job-counts', countFilters],
    queryFn: () =>
      ok(
        api.GET('/v1/jobs/counts', {
          params: {
            query: {
              ...(countFilters.pipeline ? { pipeline: countFilters.pipeline } : {}),
              ...(countFilters.tenant ? { tenant: countFilters.tenant } : {}),
            },
          },
        }),
      ),
  });

  // Live: every job event refreshes the list and the counts (a burst, once); progress is patched in place.
  const refresh = useDebounced(() => {
    void client.invalidateQueries({ queryKey: ['jobs'] });
    void client.invalidateQueries({ queryKey: ['job-counts'] });
  }, 300);
  const streamUrl = `/v1/events?types=job:*,step:started,step:succeeded,step:failed,step:progress${
    filters.pipeline ? `&pipeline=${encodeURIComponent(filters.pipeline)}` : ''
  }`;
  useEventStream(streamUrl, {
    onOpen: refresh,
    onEvent: (event) => {
      if (event.type !== 'step:progress') return refresh();
      client.setQueriesData<{ pages: Array<{ jobs: Job[]; next: string | null }> }>(
        { queryKey: ['jobs'] },
        (data) =>
          data
            ? {
                ...data,
                pages: data.pages.map((page) => ({
                  ...page,
                  jobs: page.jobs.map((j) => (j.id === event.jobId ? { ...j, progress: event.payload } : j)),
                })),
              }
            : data,
      );
    },
  });

  const list = jobs.data?.pages.flatMap((p) => p.jobs) ?? [];
  const onSelect = (key: keyof Filters) => (e: ChangeEvent<HTMLSelectElement | HTMLInputElement>) =>
    setFilters({ ...filters, [key]: e.target.value || undefined });

  return (
    <div>
      <div className="page-head">
        <h1>{m.jobs.title}</h1>
        <span className="live" title={m.common.liveHelp}>
          <span className="live-dot" aria-hidden="true" />
          {m.common.live}
        </span>
        <Link href="/new" className="button button-primary">
          {m.nav.newJob}
        </Link>
      </div>

      <nav aria-label={m.jobs.countsLabel} className="counts" data-testid="counts">
        <button
          type="button"
          className="count"
          aria-pressed={filters.state === undefined}
          onClick={() => setFilters({ ...filters, state: undefined })}
        >
          <span className="count-label">{m.jobs.allStates}</span>
          <span className="count-value" data-testid="count-all">
            {counts.data ? f.num(counts.data.total) : '…'}
          </span>
        </button>
        {jobStates.map((state) => (
          <button
            type="button"
            key={state}
            className={`count count-${state}`}
            aria-pressed={filters.state === state}
            onClick={() => setFilters({ ...filters, state: filters.state === state ? undefined : state })}
          >
            <span className="count-label">{m.states[state]}</span>
            <span className="count-value" data-testid={`count-${state}`}>
              {counts.data ? f.num(counts.data.counts[state]) : '…'}
            </span>
          </button>
        ))}
      </nav>

      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={m.jobs.filters}>
        <div className="field">
          <label htmlFor="filter-state">{m.jobs.state}</label>
          <select id="filter-state" value={filters.state ?? ''} onChange={onSelect('state')}>
            <option value="">{m.jobs.allStates}</option>
            {jobStates.map((s) => (
              <option key={s} value={s}>
                {m.states[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-pipeline">{m.jobs.pipeline}</label>
          <select id="filter-pipeline" value={filters.pipeline ?? ''} onChange={onSelect('pipeline')}>
            <option value="">{m.jobs.allPipelines}</option>
            {pipelines.data?.pipelines.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        {admin ? (
          <div className="field">
            <label htmlFor="filter-tenant">{m.jobs.tenant}</label>
            <input
              id="filter-tenant"
              list="tenant-options"
              value={filters.tenant ?? ''}
              placeholder={m.jobs.allTenants}
              onChange={onSelect('tenant')}
              autoComplete="off"
              onFocus={() => setTenantsWanted(true)}
            />
            <datalist id="tenant-options">
              {tenants.data?.tenants.map((t) => (
                <option key={t.id} value={t.id} />
              ))}
            </datalist>
          </div>
        ) : null}
        {filters.state || filters.pipeline || filters.tenant ? (
          <button type="button" className="button button-small" onClick={() => setFilters({})}>
            {m.jobs.clearFilters}
          </button>
        ) : null}
      </form>

      {jobs.isError ? (
        <p role="alert" className="field-error">
          {(jobs.error as Error).message}
        </p>
      ) : null}
      <table className="table jobs-table cards-on-mobile" data-testid="jobs-table" aria-label={m.jobs.title}>
        <thead>
          <tr>
            <th scope="col">{m.jobs.job}</th>
            <th scope="col">{m.jobs.pipeline}</th>
            <th scope="col">{m.jobs.tenant}</th>
            <th scope="col">{m.jobs.state}</th>
            <th scope="col">{m.jobs.progress}</th>
            <th scope="col">{m.jobs.attempt}</th>
            <th scope="col">{m.jobs.created}</th>
          </tr>
        </thead>
        <tbody>
          {list.map((job) => (
            <tr key={job.id} data-testid={`job-row-${job.id}`} data-state={job.state}>
              <td data-label={m.jobs.job}>
                {/* UUIDv7s begin with their time: 23 characters tell jobs of the same second apart. */}
                <Link href={`/jobs/${job.id}`} className="mono small" title={job.id}>
                  {job.id.slice(0, 23)}
                </Link>
              </td>
              <td data-label={m.jobs.pipeline}>{job.pipeline}</td>
              <td data-label={m.jobs.tenant}>{job.tenant ?? m.common.none}</td>
              <td data-label={m.jobs.state}>
                <StateBadge state={job.state} />
              </td>
              <td data-label={m.jobs.progress}>
                <JobProgress job={job} />
              </td>
              <td data-label={m.jobs.attempt}>{m.jobs.attemptOf(job.attempt, job.maxAttempts)}</td>
              <td data-label={m.jobs.created}>
                <time dateTime={job.createdAt} title={f.date(job.createdAt)}>
                  {f.relative(job.createdAt, Math.max(now, Date.parse(job.createdAt)))}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.isSuccess && list.length === 0 ? <p className="empty">{m.jobs.empty}</p> : null}
      {jobs.isPending ? <p className="muted">{m.common.loading}</p> : null}
      {jobs.hasNextPage ? (
        <button
          type="button"
          className="button"
          onClick={() => jobs.fetchNextPage()}
          disabled={jobs.isFetchingNextPage}
        >
          {m.jobs.loadMore}
        </button>
      ) : null}
    </div>
  );
}

/** "step 2 of 3" and the running step's own progress. */
function JobProgress({ job }: { job: Job }) {
  const { m } = useI18n();
  const plan = job.plan;
  const p = job.state === 'running' ? job.progress : null;
  const later = (job.state === 'queued' || job.state === 'waiting') && Date.parse(job.runAt) > Date.now();
  if (later) {
    return (
      <span className="small">
        {job.state === 'queued' ? m.jobs.starts : m.job.runsAgain} <Countdown to={job.runAt} />
      </span>
    );
  }
  if (!plan && !p) return <span className="muted">{m.common.none}</span>;
  return (
    <div className="job-progress">
      {plan ? (
        <span className="muted small">{m.jobs.stepsDone(plan.completed, plan.steps.length)}</span>
      ) : null}
      {p ? <ProgressBar done={p.done} total={p.total} unit={p.unit} label={`${p.step}`} /> : null}
    </div>
  );
}
