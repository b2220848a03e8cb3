import type { Dispatcher } from 'undici';
import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import type { PreparedCall, StreamMeter, UsageCounts } from './adapter.js';
import type { BudgetHold } from './budget-gate.js';
import type { CallBudget } from './call-budget.js';
import { flattenHeaders } from './flatten-headers.js';
import type { ProviderStream, Usage } from './provider-types.js';
import { SseParser } from './sse-parser.js';

export interface OpenStreamOptions {
  readonly response: Dispatcher.ResponseData;
  readonly call: PreparedCall;
  readonly meter: StreamMeter;
  readonly budget: CallBudget;
  readonly hold: BudgetHold | undefined;
  readonly provider: string;
  /** The attempt's signal (caller's cancellation and deadline). */
  readonly signal: AbortSignal;
  readonly networkError: (error: unknown) => HoldfastError;
  readonly toUsage: (counts: UsageCounts | undefined) => Usage;
}

/**
 * Reads a streamed answer: parses its events, hands them on as they arrive, and meters it as it
 * flows — if the output outgrows what the hold allows, the stream is cut and the call fails with
 * BUDGET_EXCEEDED. When the stream ends, for whatever reason, what it used is settled: the
 * provider's own count when it sent one, else the input bound plus the output seen.
 */
export function openStream(options: OpenStreamOptions): ProviderStream {
  const { response, call, meter, hold, provider } = options;
  const controller = new AbortController();
  let resolveUsage!: (usage: Usage | undefined) => void;
  const usage = new Promise<Usage | undefined>((resolve) => {
    resolveUsage = resolve;
  });
  let settled = false;
  // The output a hold covers is the call's cap (set from the budget when the request had none; an
  // uncapped call only happens with an unlimited budget). Streamed text is counted by estimate,
  // so the stream is cut only when it clearly ignores the cap: at twice the cap.
  const cutAt = hold && call.outputCap !== undefined ? call.outputCap * 2 + 16 : Number.POSITIVE_INFINITY;

  const settle = async () => {
    if (settled) return;
    settled = true;
    // Without the provider's final count, charge the most it can bill: the input it reported (or
    // the input bound) and the whole output cap — a stream cut on our side may have run on theirs.
    const counts = meter.usage() ?? {
      input: meter.inputSoFar() ?? call.inputBound,
      output: call.outputCap ?? meter.outputSoFar(),
      cached: 0,
    };
    const final = options.toUsage(counts);
    try {
      await options.budget.settle(hold, final);
    } finally {
      resolveUsage(final);
    }
  };

  async function* events(): AsyncGenerator<unknown> {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    let complete = false;
    try {
      const handle = function* (chunk: string) {
        for (const event of chunk === '' ? parser.end() : parser.push(chunk)) {
          const { value, done } = meter.accept(event);
          if (meter.outputSoFar() > cutAt) {
            throw holdfastError(
              'BUDGET_EXCEEDED',
              {
                meter: Object.keys(hold!.meters)[0] ?? 'tokens',
                cap: Object.values(hold!.meters)[0] ?? 0,
                used: call.inputBound + meter.outputSoFar(),
                requested: meter.outputSoFar(),
              },
              { message: `${provider} stream cut: its output outgrew the budget held for it` },
            );
          }
          if (done) complete = true;
          if (value !== undefined) yield value;
        }
      };
      for await (const chunk of response.body) {
        if (controller.signal.aborted) throw controller.signal.reason;
        yield* handle(decoder.decode(chunk as Buffer, { stream: true }));
      }
      yield* handle('');
      if (!complete) {
        throw holdfastError('PROVIDER_ERROR', {
          provider,
          operation: call.operation,
          status: response.statusCode,
          providerMessage: 'the stream ended before its end marker',
        });
      }
    } catch (error) {
      response.body.destroy();
      if (controller.signal.aborted) throw controller.signal.reason;
      if (options.signal.aborted) throw options.signal.reason;
      if (isHoldfastError(error)) throw error;
      if (error instanceof SyntaxError) {
        throw holdfastError('PROVIDER_ERROR', {
          provider,
          operation: call.operation,
          providerMessage: `malformed stream event: ${error.message}`,
        });
      }
      throw midStream(options.networkError(error), provider, call);
    } finally {
      await settle();
    }
  }

  let iterator: AsyncGenerator<unknown> | undefined;
  return {
    status: response.statusCode,
    headers: flattenHeaders(response.headers),
    provider,
    usage,
    abort(reason?: unknown) {
      controller.abort(reason ?? new Error('stream aborted'));
      response.body.destroy();
      // An abort before reading starts still settles the hold.
      if (iterator === undefined) void settle();
    },
    [Symbol.asyncIterator]() {
      if (iterator) throw new Error('a provider stream can be read only once');
      iterator = events();
      return iterator;
    },
  };
}

/** A connection that fails in the middle of a stream is the provider failing, not an unreachable host. */
function midStream(error: HoldfastError, provider: string, call: PreparedCall): HoldfastError {
  if (error.code === 'PROVIDER_TIMEOUT') return error;
  return holdfastError(
    'PROVIDER_ERROR',
    { provider, operation: call.operation, providerMessage: `connection lost mid-stream: ${error.message}` },
    { cause: error },
  );
}
