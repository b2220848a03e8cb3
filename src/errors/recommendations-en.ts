import type { ProviderDecision } from './error-details.js';
import { billingPages, type Formatter, statusPages } from './format.js';
import type { Catalogue } from './recommendations.js';
import { issueLines, shownIssues } from './validation-issue-text.js';

const resumeNote =
  'Retry the job: steps that already succeeded are not run again, so they are not paid twice.';

/**
 * What the client did about a failed call, from its decision; nothing when the error does not say
 * (it was not decided by a provider client), so no line ever claims a retry that did not happen.
 */
function callOutcome(d: ProviderDecision, f: Formatter): string | undefined {
  const attempts = d.attempts ?? 1;
  switch (d.decision) {
    case undefined:
      return undefined;
    case 'retrying':
      return `Attempt ${f.num(attempts)} of ${f.num(d.maxAttempts)} failed; the call tries again in ${f.dur(d.waitMs)}.`;
    case 'not-retryable':
      return attempts > 1
        ? `It was not retried after attempt ${f.num(attempts)}: sent again unchanged, it would fail the same way.`
        : 'It was not retried: sent again unchanged, it would fail the same way.';
    case 'attempts-used':
      return d.maxAttempts === 1
        ? 'It was not retried: this provider allows a single attempt per call (`retry.attempts: 1`).'
        : `All ${f.num(attempts)} attempts of the call failed (\`retry.attempts\` is ${f.num(d.maxAttempts)}).`;
    case 'beyond-deadline':
      return d.remainingMs === 0
        ? `It was not retried: the step's or job's deadline had passed (after attempt ${f.num(attempts)}).`
        : `It was not retried: the next attempt would have started in ${f.dur(d.waitMs)}, after the deadline (${f.dur(d.remainingMs)} left).`;
    case 'handed-back':
      return `The call stopped instead of waiting ${f.dur(d.waitMs)} inside it: in a pipeline the job waits that long without holding a worker, then resumes if it has attempts left; outside a pipeline, call again after that.`;
    default: {
      const never: never = d.decision;
      return never;
    }
  }
}

export const english: Catalogue = {
  PROVIDER_TIMEOUT: (d, f) => [
    d.phase === 'connect'
      ? `The connection to ${d.provider} could not be opened within ${f.dur(d.timeoutMs)}: check its base URL, DNS and any proxy in between.`
      : d.phase === 'deadline'
        ? d.elapsedMs === undefined
          ? `The step's or job's deadline had already passed, so the call to ${d.provider} was not made; give the pipeline a longer \`timeout\` if the steps before it are expected to be slow.`
          : `The call was still running when the step's or job's deadline passed; give the pipeline a longer \`timeout\` if such calls are expected to be slow.`
        : `${d.provider} answered nothing within ${f.dur(d.timeoutMs)} (${d.phase}); if the requests are legitimately large, raise the provider's \`timeouts.${d.phase}\`.`,
    callOutcome(d, f),
    `A slow API is often an overloaded or rate-limited one: check ${statusPages[d.provider] ?? `${d.provider}'s status page`} and your usage dashboard.`,
    resumeNote,
  ],
  PROVIDER_RATE_LIMITED: (d, f) => [
    d.beyondDeadline
      ? `${d.provider} asked to wait ${f.dur(d.retryAfterMs)}, but only ${f.dur(d.remainingMs)} remained before the deadline, so the call stopped at once instead of sleeping past it.`
      : `${d.provider} is rate limiting this account${d.retryAfterMs === undefined ? '' : ` and asked to wait ${f.dur(d.retryAfterMs)}`}.`,
    !d.beyondDeadline && callOutcome(d, f),
    d.beyondDeadline &&
      `Give the pipeline a longer \`timeout\`, or retry the job after ${f.dur(d.retryAfterMs)}.`,
    d.limit !== undefined &&
      `The ${d.limitType ?? 'request'} limit is ${f.num(d.limit)}${d.remaining === undefined ? '' : ` (${f.num(d.remaining)} left)`}${d.resetAt ? `, reset at ${d.resetAt}` : ''}.`,
    `Lower the concurrency of calls to ${d.provider} (a bulkhead), or ask ${d.provider} for a higher rate-limit tier.`,
  ],
  PROVIDER_QUOTA_EXHAUSTED: (d, f) => [
    `${d.provider} reports that the account's quota or credit is used up${d.quotaId ? ` (${d.quotaId})` : ''}: no call can succeed until that changes.`,
    callOutcome(d, f),
    d.quotaId?.includes('PerDay')
      ? `This is a daily quota: it resets at midnight Pacific time, or sooner with billing enabled on the project.`
      : `Add credit or raise the spending limit: ${billingPages[d.provider] ?? `${d.provider}'s billing page`}.`,
    `Configure a \`fallback\` provider to keep serving while ${d.provider} is exhausted.`,
    `Once the account is funded, retry the job: finished steps are not paid again.`,
  ],
  PROVIDER_OVERLOADED: (d, f) =>
    d.bulkhead
      ? [
          `This process already runs ${f.num(d.bulkhead.concurrency)} calls to ${d.provider} and ${f.num(d.bulkhead.queued)} are waiting: its bulkhead refused this one before sending it (${d.provider} itself did not refuse anything).`,
          `Raise the provider's \`bulkhead.concurrency\` or \`bulkhead.queue\` if ${d.provider} allows more, or submit less work at once.`,
        ]
      : [
          `${d.provider} is overloaded${d.status ? ` (HTTP ${d.status})` : ''}: the problem is on their side and usually passes within minutes.`,
          callOutcome(d, f),
          `If it keeps failing, configure a \`fallback\` provider of the same kind.`,
          statusPages[d.provider] && `Follow ${statusPages[d.provider]} for the incident.`,
        ],
  PROVIDER_ERROR: (d, f) => [
    `${d.provider} failed on its side${d.status ? ` (HTTP ${d.status})` : ''}${d.providerMessage ? `: "${d.providerMessage}"` : ''}.`,
    callOutcome(d, f),
    `If it persists, check ${statusPages[d.provider] ?? `${d.provider}'s status page`}${d.requestId ? ` and quote request id ${d.requestId} to their support` : ''}.`,
    resumeNote,
  ],
  PROVIDER_REJECTED: (d, f) => [
    `${d.provider} refused the request${d.status ? ` with HTTP ${d.status}` : ''}${d.param ? ` because of parameter \`${d.param}\`` : ''}${d.providerMessage ? `: "${d.providerMessage}"` : ''}. Sent again unchanged, it would be refused again.`,
    callOutcome(d, f),
    (d.status === 401 || d.status === 403) &&
      `Check the API key configured for ${d.provider}: it is missing, wrong, revoked or lacks access to this model.`,
    d.status === 404 && `Check the model name and the provider's base URL.`,
    (d.status === 400 || d.status === 413) &&
      `If the input is too long for the model, split it into smaller chunks or lower \`max_tokens\`.`,
  ],
  PROVIDER_UNREACHABLE: (d, f) => [
    d.errno === 'ENOTFOUND'
      ? `The host name ${d.host ?? `of ${d.provider}`} does not resolve: check the provider's base URL for a typo, and DNS.`
      : `${d.provider} could not be reached${d.host ? ` at ${d.host}` : ''}${d.errno ? ` (${d.errno})` : ''}: check network access, DNS, firewalls and the provider's base URL.`,
    callOutcome(d, f),
  ],
  CIRCUIT_OPEN: (d, f) => [
    `Calls to ${d.provider} are paused for ${f.dur(d.retryAfterMs)}${d.failures ? ` after ${f.num(d.failures)} failures in a row` : ''}, so you do not pay for requests that would fail; this call was not sent.`,
    `In a pipeline, the job waits that long without holding a worker and resumes if it has attempts left; then a single trial call tests ${d.provider} before traffic resumes.`,
    `Check ${statusPages[d.provider] ?? `${d.provider}'s status`}, or configure a \`fallback\` provider.`,
  ],
  STEP_TIMEOUT: (d, f) => [
    `Nothing step '${d.step}' wrote was kept: its staged writes were rolled back with it.`,
    d.progress
      ? `It had processed ${f.progress(d.progress)} in ${f.dur(d.timeoutMs)}: give the step a longer \`timeout\` or process fewer items per step.`
      : `Give the step a longer \`timeout\` (now ${f.dur(d.timeoutMs)}) or split it into smaller steps.`,
    `Retrying resumes at step '${d.step}': the steps before it are not run, nor paid, again.`,
  ],
  JOB_TIMEOUT: (d, f) => [
    d.wouldWaitMs !== undefined
      ? `A retry${d.cause ? ` after ${d.cause.code}` : ''} would have had to wait ${f.dur(d.wouldWaitMs)}, but only ${f.dur(d.remainingMs)} remained of the job's ${f.dur(d.timeoutMs)} deadline, so the job stopped now instead of sleeping.`
      : `The job used its whole ${f.dur(d.timeoutMs)} deadline${d.step ? ` and was stopped during step '${d.step}'` : ''}${d.progress ? ` at ${f.progress(d.progress)}` : ''}; that step's writes were rolled back.`,
    `Raise the pipeline's \`timeout\`, or split the work into more, smaller steps.`,
    `Retry the job: it gets a fresh deadline and resumes after the last step that succeeded.`,
  ],
  STEP_FAILED: (d, f) => [
    d.name === 'NonRetriableError'
      ? `The step declared this failure permanent: fix its input or code, then retry the job.`
      : d.name === 'RetryAfterError'
        ? `The step asked to be retried later; the job resumes by itself at that time.`
        : `Read the error message and the step's events for the cause; the job is retried if it has attempts left (the pipeline's \`retry\`).`,
    d.progress && `The step had reached ${f.progress(d.progress)}; its staged writes were rolled back.`,
    d.name !== 'NonRetriableError' &&
      `If this failure can never succeed on retry, throw \`NonRetriableError\` so the job fails at once.`,
  ],
  QUOTA_EXCEEDED: (d, f) => [
    `The ${d.period} ${d.meter} budget of ${d.scope} has ${f.num(d.balance)} left (limit ${f.num(d.limit)}, used ${f.num(d.used)}${d.reserved ? `, held by running jobs ${f.num(d.reserved)}` : ''}); this job needs ${f.num(d.required)}, ${f.num(d.deficit)} more.`,
    d.resetAt
      ? `The budget resets at ${d.resetAt}: retry then, or raise its limit.`
      : `Raise the budget's limit to continue.`,
    `Or make the job smaller, or set the pipeline's budget mode to \`wait\` so jobs wait for the reset instead of failing.`,
  ],
  INSUFFICIENT_TOKENS: (d, f) => [
    `Balance ${f.num(d.balance)} ${d.meter}, required ${f.num(d.required)}: ${f.num(d.deficit)} missing.`,
    d.refill
      ? `The balance refills ${f.num(d.refill.amount)} every ${f.dur(d.refill.everyMs)}: enough in about ${f.dur(Math.ceil(d.deficit / d.refill.amount) * d.refill.everyMs)}${d.resetAt ? ` (next refill at ${d.resetAt})` : ''}.`
      : d.resetAt && `The balance resets at ${d.resetAt}.`,
    `Reduce the job (fewer items), wait for the refill, or set the pipeline's budget mode to \`wait\`.`,
  ],
  JOB_TOO_EXPENSIVE: (d, f) => [
    `This job is estimated at ${f.num(d.estimate)} ${d.meter}, ${f.num(d.excess)} above the cap of ${f.num(d.cap)} for one '${d.pipeline}' job; it was not started and nothing was spent.`,
    `Make the job smaller (fewer items, narrower filters), or raise the pipeline's \`budget\` for ${d.meter}.`,
  ],
  BUDGET_EXCEEDED: (d, f) => [
    `The job has used ${f.num(d.used)} of its ${f.num(d.cap)} ${d.meter} cap and its next call needed up to ${f.num(d.requested)}; the call was not made and ${d.step ? `step '${d.step}'` : 'the step'} was rolled back.`,
    `Raise the pipeline's \`budget\` for ${d.meter}, lower the calls' \`max_tokens\`, or make the job smaller; retrying resumes at the step that stopped.`,
  ],
  ROLLBACK_FAILED: (d) => [
    d.cause &&
      `The job failed with ${d.cause.code} (${d.cause.message}) and its completed steps were being undone.`,
    `An undo (compensation) failed${d.step ? ` for step '${d.step}'` : ''}${d.failures?.length ? `: ${d.failures.map((x) => `${x.step}: ${x.message}`).join('; ')}` : ''}. Effects of that step outside the database may still exist.`,
    `Check and undo those effects by hand; writes staged with \`ctx.write\` were rolled back and need no undo.`,
  ],
  VALIDATION_ERROR: (d, f) => [
    ...issueLines(d.issues, f),
    d.issues.length > shownIssues &&
      `And ${f.num(d.issues.length - shownIssues)} more problem${d.issues.length - shownIssues > 1 ? 's' : ''} (all are listed in the error's details).`,
    `Nothing was stored; submit again once corrected.`,
  ],
  NOT_FOUND: (d) => [
    `No ${d.kind} is named '${d.id}'.`,
    d.known && (d.known.length ? `Known ${d.kind}s: ${d.known.join(', ')}.` : `No ${d.kind} is configured.`),
  ],
  AMBIGUOUS_ID: (d) => [
    `'${d.prefix}' is the start of several ${d.kind} ids${d.more ? ' (the first ones are listed)' : ''}: ${d.matches.join(', ')}.`,
    `Type more characters of the id, or the whole id.`,
  ],
  CONFLICT: (d) => [
    `${d.kind} '${d.id}' is ${d.state ?? 'in another state'}${d.allowed?.length ? `; this is only possible when it is ${d.allowed.join(' or ')}` : ''}.`,
  ],
  IDEMPOTENCY_CONFLICT: (d) => [
    `The idempotency key '${d.key}' already belongs to job ${d.existingJobId}, submitted with a different input.`,
    `Use a new key for a different input, or send the original input again to get job ${d.existingJobId} back.`,
  ],
  CANCELLED: (d) => [
    `The job was cancelled${d.reason ? ` (${d.reason})` : ''}${d.step ? ` during step '${d.step}'` : ''}: that step's writes were rolled back and undo hooks ran.`,
    `Retry the job to resume it after the last step that succeeded.`,
  ],
  LEASE_LOST: () => [
    `This worker lost the job's lease (it renewed too late, or another worker took the job over), so its writes were refused.`,
    `Check the worker's event loop and database latency; the job resumes on the worker that holds it now.`,
  ],
  STORE_LOCKED: (d) => [
    `The embedded database at ${d.dataDir} is open in another Holdfast process${d.pid ? ` (pid ${d.pid}${d.host ? ` on ${d.host}` : ''})` : ''}; embedded mode allows one process.`,
    `Stop that process, or point this one at another directory; to share a database between processes, use PostgreSQL (DATABASE_URL).`,
  ],
  DATABASE_UNAVAILABLE: (d, f) => [
    `The database (${d.database}) did not answer${d.downForMs ? ` for ${f.dur(d.downForMs)}` : ''}: ${
      d.reason === 'refused'
        ? 'nothing accepts connections at that address — is PostgreSQL running, and are the host and port right?'
        : d.reason === 'shutting-down' || d.reason === 'terminated'
          ? 'it is restarting or failing over.'
          : d.reason === 'too-many-connections'
            ? 'it has no connection slot left — lower the pool sizes or raise max_connections.'
            : 'the connection was lost or timed out — check the network between this host and the database.'
    }`,
    `Nothing was half-written: what was in progress was rolled back. Running jobs resume by themselves once the database is back.`,
    d.operation === 'submit' || d.operation === 'request'
      ? `Send the request again in a few seconds; with the same idempotency key it is never run twice.`
      : `Try again in a few seconds.`,
  ],
  DATABASE_NOT_FOUND: (d) => [
    `The server ${d.database} has no database named '${d.name}'.`,
    `Create it (\`createdb ${d.name}\`) or fix the name in DATABASE_URL / --database, then run \`holdfast migrate\`.`,
  ],
  DATABASE_AUTH_FAILED: (d) => [
    `The database refused ${d.user ? `user '${d.user}'` : 'the credentials'}: check the user name and password in DATABASE_URL / --database.`,
    `Also check that pg_hba.conf allows this host and authentication method.`,
  ],
  SCHEMA_NOT_MIGRATED: (d) => [
    d.current === null
      ? `This database has no Holdfast tables yet; read-only commands never create them.`
      : `This database's Holdfast schema is at ${d.current}, older than the ${d.expected} this version needs.`,
    `Run \`holdfast migrate\` against it (safe to run from several processes at once), then try again.`,
  ],
  DATA_DIR_INVALID: (d) => [
    d.reason === 'not-a-directory'
      ? `${d.path} exists but is not a directory: the embedded database needs a directory of its own.`
      : d.reason === 'special-filesystem'
        ? `${d.path} lies on a system file system (/proc, /sys, /dev) where no data can be kept.`
        : d.reason === 'not-writable'
          ? `This process may not write into ${d.path}: check its permissions and owner, or whether the disk is mounted read-only.`
          : `${d.path} could not be created: check that its parent directory exists and is writable.`,
    `Pass another directory with --database (or DATABASE_URL), for example ./.holdfast.`,
  ],
  STORE_UNWRITABLE: (d) => [
    d.reason === 'disk-full'
      ? `The disk holding ${d.path} is full: free some space (old jobs can be removed with \`holdfast cleanup\`).`
      : d.reason === 'read-only'
        ? `${d.path} became read-only: remount it read-write or move the data directory.`
        : `Writing to ${d.path} failed: check the disk and the system log.`,
    `Nothing committed was lost; the write that failed was rolled back. Work resumes once the database can write again.`,
  ],
  SQL_ERROR: (d) => [
    d.sqlState === '42P01'
      ? `A table this step writes to does not exist${d.table ? ` (${d.table})` : ''}: create it before the job runs (a migration or a setup hook), then retry the job.`
      : d.sqlState === '42703'
        ? `A column this step uses does not exist${d.column ? ` (${d.column})` : ''}: fix the query or the table, then retry the job.`
        : d.sqlState.startsWith('23')
          ? `A row broke a constraint${d.constraint ? ` (${d.constraint})` : ''}${d.detail ? `: ${d.detail}` : ''}. Fix the data or the query, then retry the job.`
          : d.sqlState.startsWith('42')
            ? `The SQL itself is wrong (SQLSTATE ${d.sqlState}): fix the query, then retry the job.`
            : `The database refused the step's SQL (SQLSTATE ${d.sqlState}); running it again unchanged would fail again.`,
    d.hint && `PostgreSQL's hint: ${d.hint}`,
    `${d.step ? `Step '${d.step}'` : 'The step'} was not retried, and none of its writes were kept.`,
  ],
  CONFIG_INVALID: (d) => [
    `Fix ${d.option}${d.source ? ` in ${d.source}` : ''}: it ${d.problem}${d.value !== undefined ? ` (got ${d.value})` : ''}.`,
    `Nothing was started; run the command again once corrected (\`--help\` lists every option).`,
  ],
  PORT_IN_USE: (d) => [
    `Another program already listens on ${d.host}:${d.port}, so the ${d.service} could not start there.`,
    `Stop that program (\`ss -ltnp | grep :${d.port}\` shows which one), or choose another port with --port.`,
  ],
  UNAUTHORIZED: (d) => [
    d.reason === 'missing'
      ? `Send an API key: \`Authorization: Bearer <key>\` (the admin key printed at first start, or a tenant key from \`holdfast keys create\`).`
      : d.reason === 'expired'
        ? `This token has expired: ask for a new one (POST /v1/jobs/:id/token).`
        : d.reason === 'revoked'
          ? `This key was revoked: create a new one with \`holdfast keys create\`.`
          : `The key is not valid: check that it was copied whole, or create a new one with \`holdfast keys create\`.`,
  ],
  FORBIDDEN: (d) => [
    `This key may not ${d.action}${d.role ? ` (it is a ${d.role} key)` : ''}.`,
    `Use the admin key, or a key of the tenant that owns the resource.`,
  ],
  PAYLOAD_TOO_LARGE: (d, f) => [
    `The request body must be at most ${f.num(d.limitBytes)} bytes${d.receivedBytes ? `; this one has ${f.num(d.receivedBytes)}` : ''}.`,
    `Send large documents by reference (a URL or a storage key) in the job's input, or raise the server's body limit.`,
  ],
  UNSUPPORTED_MEDIA_TYPE: (d) => [
    `Send the body as ${d.expected.join(' or ')} (with that Content-Type header), not '${d.contentType}'.`,
  ],
  SHUTTING_DOWN: () => [
    `This process is stopping; its jobs are handed to other workers.`,
    `Send the request again: another instance, or this one once restarted, will answer it.`,
  ],
  BUS_UNREACHABLE: (d) => [
    d.broker === 'nats'
      ? `Nothing answers at ${d.url}: check that the NATS server is running with JetStream enabled (\`nats-server -js\`) and that the host and port in \`bus.source\` are right.`
      : `Nothing answers at ${d.url}: check that RabbitMQ is running and that the host and port in \`bus.source\` are right.`,
    `No message is lost meanwhile: messages not yet acknowledged stay with the broker and are delivered again once it is back.`,
    `A message delivered twice is recognised by its idempotency key and makes one job, never two.`,
  ],
  BUS_REFUSED: (d) => [
    d.operation === 'connect'
      ? `Check the user name and password in \`bus.source\`, and that this user may use ${d.broker === 'rabbitmq' ? 'the virtual host' : 'the account'}.`
      : `Check that the user of \`bus.source\` may ${d.operation}${d.name ? ` '${d.name}'` : ''}, and that an existing ${d.broker === 'nats' ? 'stream or consumer' : 'queue'} of that name has a compatible definition (or name another one in the route).`,
    `Nothing was consumed: messages wait on the broker until the ingress starts.`,
  ],
  SESSION_EXPIRED: (d) => [
    d.reason === 'revoked'
      ? `Sign in again with a valid key: the admin key printed by \`holdfast start\`, or a tenant key from \`holdfast keys create\`.`
      : `Sign in again with your key, or with a new sign-in link.`,
  ],
  SIGN_IN_LINK_INVALID: (d) => [
    d.reason === 'used'
      ? `Sign in with your key instead (the admin key printed by \`holdfast start\`), or restart Holdfast for a new link.`
      : `Sign in with your key (the admin key printed by \`holdfast start\`), or restart Holdfast for a new link: a link is valid for 15 minutes.`,
    `Copy the whole link: the part after # is the token.`,
  ],
  CSRF_REJECTED: (d) => [
    d.reason === 'origin'
      ? `Use the dashboard from its own address; other sites may not act with its session.`
      : `Reload the dashboard to get a fresh token; scripts that call the API should send an \`Authorization: Bearer\` key rather than the session cookie.`,
  ],
  INTERNAL: (d) => [
    `Holdfast hit an unexpected condition${d.reason ? ` (${d.reason})` : ''}.`,
    `Report it with the job's events; retrying the job is safe.`,
  ],
};
