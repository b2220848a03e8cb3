import { useEffect, useRef } from 'react';

/** An event as the streams deliver it (the server's HoldfastEvent). */
export interface LiveEvent {
  readonly id: number;
  readonly type: string;
  readonly jobId: string | null;
  readonly seq: number | null;
  readonly tenant: string | null;
  readonly at: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads differ per type; readers narrow by `type`
  readonly payload: any;
}

const eventNames = [
  'job:queued',
  'job:started',
  'step:started',
  'step:progress',
  'step:succeeded',
  'step:failed',
  'step:call',
  'step:compensated',
  'job:retry-scheduled',
  'job:waiting',
  'job:succeeded',
  'job:failed',
  'job:cancelled',
  'quota:warning',
  'quota:exceeded',
  'provider:circuit-opened',
  'provider:circuit-closed',
];
const terminal = new Set(['job:succeeded', 'job:failed', 'job:cancelled']);

export interface StreamHandlers {
  onEvent(event: LiveEvent): void;
  /** The stream is open (again): anything fetched before may have missed events. */
  onOpen?(): void;
}

/**
 * Follows a Server-Sent Events stream of the API (the session cookie authenticates it). Nothing
 * polls: the server pushes each event as it is committed. A job's stream is closed once the
 * server ends it after the job's terminal event, since EventSource would otherwise reconnect.
 * `url` null follows nothing.
 */
export function useEventStream(
  url: string | null,
  handlers: StreamHandlers,
  options: { endsWithJob?: boolean } = {},
) {
  const latest = useRef(handlers);
  latest.current = handlers;
  const endsWithJob = options.endsWithJob ?? false;
  useEffect(() => {
    if (url === null) return;
    const source = new EventSource(url);
    let lastType = '';
    const listener = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LiveEvent;
      lastType = event.type;
      latest.current.onEvent(event);
    };
    source.onerror = () => {
      // The server ended the stream after the job's terminal event (a replayed terminal event
      // of a job retried since is followed by more): reconnecting would only end it again.
      if (endsWithJob && terminal.has(lastType)) source.close();
    };
    // SSE delivers named events only to listeners of that name: a new event type is one more name.
    for (const name of eventNames) source.addEventListener(name, listener as EventListener);
    source.onopen = () => latest.current.onOpen?.();
    source.addEventListener('closing', () => {
      // The server is shutting down; EventSource reconnects by itself (retry: 1 s) to whichever
      // process answers next.
    });
    return () => source.close();
  }, [url, endsWithJob]);
}

/** Calls `fn` at most once per `ms`, `ms` after the first call of a burst (many events, one refetch). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const ref = useRef(() => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  });
  return ref.current;
}
