import { Pool } from 'undici';
import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import { Bulkhead, BulkheadFull } from '../resilience/bulkhead.js';
import { type BreakerEvent, CircuitBreaker } from '../resilience/circuit-breaker.js';
import { type Clock, systemClock } from '../time/clock.js';
import { parseDuration } from '../time/duration.js';
import { abortReason, sleep } from '../time/sleep.js';
import type { Adapter, PreparedCall, UsageCounts } from './adapter.js';
import { withHint } from './adapters/http.js';
import { attemptSignal } from './attempt-signal.js';
import type { BudgetGate, BudgetHold } from './budget-gate.js';
import { CallBudget } from './call-budget.js';
import { decideCallRetry, noteDecision } from './call-retry.js';
import { flattenHeaders } from './flatten-headers.js';
import { joinPath } from './join-path.js';
import { networkError } from './network-error.js';
import type { ProviderConfig } from './provider-config.js';
import type {
  CallOptions,
  ProviderRequest,
  ProviderResponse,
  ProviderStream,
  Usage,
} from './provider-types.js';
import { type Answer, readAnswer, succeeded } from './read-answer.js';
import { ResponseCache } from './response-cache.js';
import { openStream } from './stream-reader.js';

export interface ProviderClientOptions {
  readonly config: ProviderConfig;
  readonly adapter: Adapter;
  readonly clock?: Clock;
  /** Where calls reserve and settle budget (the ledger, or InMemoryBudgetGate). */
  readonly gate?: BudgetGate;
  readonly random?: () => number;
  readonly onBreakerEvent?: (provider: string, event: BreakerEvent) => void;
  /** The fallback client, looked up when needed (providers are created together). */
  readonly fallback?: () => ProviderClient | undefined;
}

/** Errors where the provider may have done (and billed) the work although we got no answer. */
const unambiguous = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The guarded client of one provider. Every paid call goes through it: it times out, retries only
 * what can succeed and only as long as the caller's deadline allows, waits as long as the provider
 * asks (briefly inline, else by failing with retryAfterMs so a job is parked), stops calling a
 * provider that is down, reserves and settles budget around each attempt, and turns every
 * failure into a HoldfastError with a diagnosis.
 */
export class ProviderClient {
  readonly name: string;
  readonly config: ProviderConfig;
  readonly breaker: CircuitBreaker | undefined;
  readonly cache: ResponseCache | undefined;
  readonly #adapter: Adapter;
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #host: string;
  readonly #clock: Clock;
  readonly #gate: BudgetGate | undefined;
  readonly #random: () => number;
  readonly #bulkhead: Bulkhead | undefined;
  readonly #fallback: (() => ProviderClient | undefined) | undefined;
  #inFlight = 0;

  constructor(options: ProviderClientOptions) {
    const { config } = options;
    this.name = config.name;
    this.config = config;
    this.#adapter = options.adapter;
    this.#clock = options.clock ?? systemClock;
    this.#gate = options.gate;
    this.#random = options.random ?? Math.random;
    this.#fallback = options.fallback;
    const url = new URL(config.baseUrl);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#host = url.host;
    this.#pool = new Pool(url.origin, {
      connections: config.connections,
      connect: { timeout: config.connectTimeoutMs },
      keepAliveTimeout: 30_000,
      headersTimeout: config.headersTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
    });
    this.breaker = config.breaker
      ? new CircuitBreaker(config.breaker, this.#clock, (event) =>
          options.onBreakerEvent?.(config.name, event),
        )
      : undefined;
    this.#bulkhead = config.bulkhead
      ? new Bulkhead(config.bulkhead.concurrency, config.bulkhead.queue)
      : undefined;
    this.cache = config.cache
      ? new ResponseCache({ ttlMs: config.cache.ttlMs, max: config.cache.max })
      : undefined;
  }

  /** State for health checks and dashboards. */
  health() {
    return {
      provider: this.name,
      kind: this.config.kind,
      breaker: this.breaker?.state ?? null,
      cache: this.cache?.stats ?? null,
      inFlight: this.#inFlight,
    };
  }

  /** Makes a call and returns the provider's answer (a streamed request is read to its end). */
  async request<B = unknown>(
    request: ProviderRequest,
    options: CallOptions = {},
  ): Promise<ProviderResponse<B>> {
    const started = this.#clock.now();
    let call = this.#adapter.prepare(request, this.config);
    if (call.stream) return (await this.#collect(request, options, started)) as ProviderResponse<B>;
    const cacheKey = this.#cacheKey(call, request);
    if (cacheKey) {
      const hit = this.cache!.get(cacheKey);
      if (hit) {
        options.onAttempt?.({
          provider: this.name,
          operation: call.operation,
          attempt: 0,
          status: hit.status,
          durationMs: 0,
          outcome: 'cached',
        });
        return {
          ...hit,
          body: hit.body as B,
          usage: undefined,
          attempts: 0,
          cached: true,
          provider: this.name,
          durationMs: this.#clock.now() - started,
        };
      }
    }
    const budget = new CallBudget(this.config, this.#adapter, this.#gate, options.budget ?? {});
    call = await budget.capped(call);
    try {
      const { answer, attempts, usage } = await this.#attempts(
        call,
        request,
        options,
        budget,
        async (attemptCall, signal, hold) => {
          const answer = await this.#send(attemptCall, signal);
          return {
            answer,
            usage: succeeded(answer)
              ? await this.#settleAnswer(budget, attemptCall, answer, hold)
              : undefined,
          };
        },
      );
      if (cacheKey && answer.status < 300) {
        const ttl =
          typeof request.cache === 'object' ? parseDuration(request.cache.ttl, 'cache.ttl') : undefined;
        this.cache!.set(cacheKey, { status: answer.status, headers: answer.headers, body: answer.body }, ttl);
      }
      return {
        status: answer.status,
        headers: answer.headers,
        body: answer.body as B,
        usage,
        attempts,
        cached: false,
        provider: this.name,
        durationMs: this.#clock.now() - started,
      };
    } catch (error) {
      const fallback = this.#fallbackFor(error);
      if (fallback) return fallback.request<B>(request, options);
      throw error;
    }
  }

  /** Makes a streamed call: events as they arrive, metered against the budget as they flow. */
  async stream(request: ProviderRequest, options: CallOptions = {}): Promise<ProviderStream> {
    let call = this.#adapter.prepare(request, this.config);
    if (!call.stream)
      throw holdfastError('VALIDATION_ERROR', {
        subject: `${this.name} stream request`,
        field: 'body.stream',
        issues: [
          {
            path: 'body.stream',
            message: 'stream() needs a streaming request (body.stream: true, or :streamGenerateContent)',
            messageFr: 'stream() demande une requête en flux (body.stream: true, ou :streamGenerateContent)',
          },
        ],
      });
    const budget = new CallBudget(this.config, this.#adapter, this.#gate, options.budget ?? {});
    call = await budget.capped(call);
    try {
      const { answer } = await this.#attempts(
        call,
        request,
        options,
        budget,
        async (attemptCall, signal, hold) => {
          const response = await this.#pool.request({
            method: attemptCall.method as 'POST',
            path: joinPath(this.#basePath, attemptCall.path),
            headers: attemptCall.headers,
            body: attemptCall.body,
            signal,
          });
          if (response.statusCode >= 300) {
            return {
              answer: await readAnswer(response, {
                provider: this.name,
                maxBytes: this.config.maxResponseBytes,
              }),
            };
          }
          // Success: the stream takes over the hold, settled when it ends.
          const stream = openStream({
            response,
            call: attemptCall,
            meter: this.#adapter.streamMeter(attemptCall, this.name),
            budget,
            hold,
            provider: this.name,
            signal,
            networkError: (error) => this.#networkError(error, attemptCall),
            toUsage: (counts: UsageCounts | undefined) => budget.usage(attemptCall, counts, hold),
          });
          return {
            answer: {
              status: response.statusCode,
              headers: flattenHeaders(response.headers),
              text: '',
              body: stream,
              parseError: false,
            },
            holdTaken: true,
          };
        },
      );
      return answer.body as ProviderStream;
    } catch (error) {
      const fallback = this.#fallbackFor(error);
      if (fallback) return fallback.stream(request, options);
      throw error;
    }
  }

  /** Drops cached answers whose key matches a glob, e.g. 'openai:POST /v1/embeddings:*'. */
  invalidate(pattern: string): number {
    return this.cache?.invalidate(pattern) ?? 0;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /**
   * The retry loop. `send` makes one attempt under a hold; a 2xx ends the loop. Everything else
   * is classified, counted by the breaker, shown as an attempt, and retried only if it can
   * succeed, the attempts are not used up, and the wait fits both `maxInlineWait` and the deadline.
   */
  async #attempts(
    call: PreparedCall,
    request: ProviderRequest,
    options: CallOptions,
    budget: CallBudget,
    send: (
      call: PreparedCall,
      signal: AbortSignal,
      hold: BudgetHold | undefined,
    ) => Promise<{ answer: Answer; usage?: Usage | undefined; holdTaken?: boolean }>,
  ): Promise<{ answer: Answer; attempts: number; usage: Usage | undefined }> {
    let previousDelay: number | undefined;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      this.#checkDeadline(call, options.deadline);
      const admission = this.breaker?.admit();
      if (admission && !admission.ok) {
        const state = this.breaker!.state;
        throw holdfastError(
          'CIRCUIT_OPEN',
          {
            provider: this.name,
            retryAfterMs: admission.retryAfterMs,
            openedAt: state.state === 'open' ? new Date(state.since).toISOString() : undefined,
            failures: state.state === 'open' ? state.failures : undefined,
          },
          { retryAfterMs: admission.retryAfterMs },
        );
      }
      const started = this.#clock.now();
      // A full bulkhead or a refused budget ends the call before anything is sent: no retry, and
      // nothing for the breaker to learn about the provider.
      let releaseSlot: (() => void) | undefined;
      let hold: BudgetHold | undefined;
      try {
        releaseSlot = await this.#acquireSlot(call, options.signal);
        hold = await budget.reserve(call, request);
      } catch (error) {
        releaseSlot?.();
        if (admission) this.breaker!.cancel(admission);
        throw options.signal?.aborted ? abortReason(options.signal) : error;
      }
      let outcome: { answer: Answer; usage?: Usage | undefined; holdTaken?: boolean } | undefined;
      let failure: HoldfastError | undefined;
      let ambiguous = false;
      let deadlineHit = false;
      const signal = attemptSignal(options, this.#clock);
      this.#inFlight += 1;
      try {
        outcome = await send(call, signal.signal, hold);
      } catch (error) {
        if (options.signal?.aborted) {
          if (admission) this.breaker!.cancel(admission);
          await this.#closeHold(budget, hold, call, 'maybe-billed');
          throw abortReason(options.signal);
        }
        if (signal.deadlineHit) {
          deadlineHit = true;
          failure = holdfastError('PROVIDER_TIMEOUT', {
            provider: this.name,
            operation: call.operation,
            phase: 'deadline',
            timeoutMs: Math.max(0, (options.deadline ?? started) - started),
            elapsedMs: this.#clock.now() - started,
          });
          ambiguous = true;
        } else {
          failure = isHoldfastError(error) ? error : this.#networkError(error, call);
          const code =
            (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
          ambiguous = !isHoldfastError(error) && !unambiguous.has(code ?? '');
        }
      } finally {
        this.#inFlight -= 1;
        signal.dispose();
        releaseSlot?.();
      }

      if (outcome && succeeded(outcome.answer)) {
        this.breaker?.record('success');
        options.onAttempt?.({
          provider: this.name,
          operation: call.operation,
          attempt,
          status: outcome.answer.status,
          durationMs: this.#clock.now() - started,
          outcome: 'ok',
          usage: outcome.usage?.meters,
        });
        return { answer: outcome.answer, attempts: attempt, usage: outcome.usage };
      }
      if (outcome) {
        // An error answer is not billed; a 2xx we cannot read was, so its hold is charged.
        await this.#closeHold(budget, hold, call, outcome.answer.status < 300 ? 'maybe-billed' : 'refused');
        failure = this.#classify(outcome.answer, call);
      } else {
        // No answer: if the request may have been processed, it may have been billed too.
        await this.#closeHold(budget, hold, call, ambiguous ? 'maybe-billed' : 'refused');
      }
      const error = failure!;
      if (admission) {
        const providerAnswered =
          error.code === 'PROVIDER_REJECTED' ||
          error.code === 'PROVIDER_QUOTA_EXHAUSTED' ||
          error.code === 'PROVIDER_RATE_LIMITED';
        // A rejection or a rate limit means the provider is up; the caller's own deadline says nothing about it.
        if (deadlineHit) this.breaker!.cancel(admission);
        else this.breaker!.record(providerAnswered ? 'success' : 'failure', error.message);
      }
      const remainingMs = () =>
        options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - this.#clock.now();
      const next = decideCallRetry({
        error,
        attempt,
        maxAttempts: this.config.attempts,
        remainingMs: remainingMs(),
        maxInlineWaitMs: this.config.maxInlineWaitMs,
        backoff: this.config.backoff,
        previousDelayMs: previousDelay,
        random: this.#random,
      });
      options.onAttempt?.({
        provider: this.name,
        operation: call.operation,
        attempt,
        status: outcome?.answer.status,
        durationMs: this.#clock.now() - started,
        outcome: next.kind === 'wait' ? 'retry' : 'error',
        error:
          next.kind === 'fail'
            ? next.error
            : noteDecision(
                error,
                { attempt, maxAttempts: this.config.attempts, remainingMs: remainingMs() },
                'retrying',
                next.ms,
              ),
        retryInMs: next.kind === 'wait' ? next.ms : undefined,
      });
      if (next.kind === 'fail') throw next.error;
      previousDelay = next.ms;
      await sleep(next.ms, { signal: options.signal, clock: this.#clock });
    }
  }

  #classify(answer: Answer, call: PreparedCall): HoldfastError {
    if (answer.status < 300) {
      return holdfastError('PROVIDER_ERROR', {
        provider: this.name,
        operation: call.operation,
        status: answer.status,
        providerMessage: `invalid JSON in a ${answer.status} answer: ${answer.text.slice(0, 120)}`,
      });
    }
    const error = this.#adapter.classify(
      { status: answer.status, headers: answer.headers, body: answer.body, text: answer.text },
      call,
      this.name,
    );
    const hint = this.config.options.retryAfter?.({
      status: answer.status,
      headers: answer.headers,
      body: answer.body,
    });
    return withHint(error, hint);
  }

  async #settleAnswer(
    budget: CallBudget,
    call: PreparedCall,
    answer: Answer,
    hold: BudgetHold | undefined,
  ): Promise<Usage | undefined> {
    const http = { status: answer.status, headers: answer.headers, body: answer.body };
    const counts: UsageCounts | undefined =
      this.config.kind === 'http'
        ? ((meters) => (meters ? { input: 0, output: 0, cached: 0, meters } : undefined))(
            this.config.options.usage?.(http),
          )
        : this.#adapter.usage(answer.body, call);
    const usage = budget.usage(call, counts, hold);
    await budget.settle(hold, usage);
    const balance = this.config.options.balance?.(http);
    if (balance && this.#gate?.observe) await this.#gate.observe(budget.context, balance);
    return counts === undefined && hold === undefined ? undefined : usage;
  }

  /** Closes the hold of an attempt that did not succeed: released, or charged in full if it may have been billed. */
  async #closeHold(
    budget: CallBudget,
    hold: BudgetHold | undefined,
    call: PreparedCall,
    how: 'refused' | 'aborted' | 'maybe-billed',
  ): Promise<void> {
    if (!hold) return;
    if (how === 'maybe-billed') await budget.settle(hold, budget.usage(call, undefined, hold));
    else await budget.release(hold);
  }

  async #send(call: PreparedCall, signal: AbortSignal): Promise<Answer> {
    const response = await this.#pool.request({
      method: call.method as 'POST',
      path: joinPath(this.#basePath, call.path),
      headers: call.headers,
      body: call.body,
      signal,
    });
    return readAnswer(response, { provider: this.name, maxBytes: this.config.maxResponseBytes });
  }

  async #collect(request: ProviderRequest, options: CallOptions, started: number): Promise<ProviderResponse> {
    const stream = await this.stream(request, options);
    const events: unknown[] = [];
    for await (const event of stream) events.push(event);
    return {
      status: stream.status,
      headers: stream.headers,
      body: events,
      usage: await stream.usage,
      attempts: 1,
      cached: false,
      provider: stream.provider,
      durationMs: this.#clock.now() - started,
    };
  }

  #cacheKey(call: PreparedCall, request: ProviderRequest): string | undefined {
    if (!this.cache || request.cache === false || call.stream) return undefined;
    const paths = this.config.cache?.paths;
    const allowed =
      request.cache !== undefined || paths === undefined || paths.some((p) => call.path.startsWith(p));
    return allowed ? ResponseCache.key(this.name, call.method, call.path, call.body) : undefined;
  }

  #fallbackFor(error: unknown): ProviderClient | undefined {
    if (
      !isHoldfastError(error) ||
      (error.code !== 'CIRCUIT_OPEN' && error.code !== 'PROVIDER_QUOTA_EXHAUSTED')
    )
      return undefined;
    const fallback = this.#fallback?.();
    return fallback && fallback !== this ? fallback : undefined;
  }

  async #acquireSlot(call: PreparedCall, signal: AbortSignal | undefined): Promise<(() => void) | undefined> {
    if (!this.#bulkhead) return undefined;
    try {
      return await this.#bulkhead.acquire(signal);
    } catch (error) {
      if (error instanceof BulkheadFull) {
        throw holdfastError(
          'PROVIDER_OVERLOADED',
          {
            provider: this.name,
            operation: call.operation,
            providerMessage: `local limit: ${error.limit} calls running and ${error.queued} waiting (bulkhead)`,
            bulkhead: { concurrency: error.limit, queued: error.queued },
          },
          { message: `Too many concurrent calls to ${this.name}: bulkhead of ${error.limit} full` },
        );
      }
      throw error;
    }
  }

  #checkDeadline(call: PreparedCall, deadline: number | undefined): void {
    if (deadline !== undefined && this.#clock.now() >= deadline) {
      throw holdfastError('PROVIDER_TIMEOUT', {
        provider: this.name,
        operation: call.operation,
        phase: 'deadline',
        timeoutMs: 0,
      });
    }
  }

  #networkError(error: unknown, call: PreparedCall): HoldfastError {
    return networkError(error, {
      provider: this.name,
      operation: call.operation,
      host: this.#host,
      timeouts: {
        connect: this.config.connectTimeoutMs,
        headers: this.config.headersTimeoutMs,
        body: this.config.bodyTimeoutMs,
      },
    });
  }
}
