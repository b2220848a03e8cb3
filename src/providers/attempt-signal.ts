import type { Clock } from '../time/clock.js';

export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** True once the caller's deadline, not the caller, aborted the attempt. */
  readonly deadlineHit: boolean;
  /** Detaches from the caller's signal and clears the timer: call it when the attempt ends. */
  dispose(): void;
}

/**
 * One attempt's signal: the caller's, plus a timer at the caller's deadline, so a hung provider
 * is cut at the deadline even when no transport timeout would fire before it. Whether the
 * deadline fired is kept apart: it says nothing about the provider's health.
 */
export function attemptSignal(
  options: { readonly signal?: AbortSignal | undefined; readonly deadline?: number | undefined },
  clock: Clock,
): AttemptSignal {
  const controller = new AbortController();
  let deadlineHit = false;
  const onAbort = () => controller.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.deadline === undefined
      ? undefined
      : clock.setTimeout(() => {
          deadlineHit = true;
          controller.abort(new Error('deadline'));
        }, options.deadline - clock.now());
  return {
    signal: controller.signal,
    get deadlineHit() {
      return deadlineHit;
    },
    dispose() {
      options.signal?.removeEventListener('abort', onAbort);
      if (timer) clock.clearTimeout(timer);
    },
  };
}
