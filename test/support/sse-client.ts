import { type ClientRequest, type IncomingMessage, request } from 'node:http';

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** Resolves with the status and headers once they arrive. */
  readonly response: Promise<IncomingMessage>;
  /** Resolves when the server ends the stream (not when the client closes it). */
  readonly ended: Promise<void>;
  /** Resolves when `condition` holds for the messages received so far. */
  until(condition: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Drops the connection, as a network failure would. */
  drop(): void;
}

/** A Server-Sent Events client over a real socket, parsing frames as a browser does. */
export function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let req: ClientRequest;
  let endedResolve!: () => void;
  let endedReject!: (error: Error) => void;
  const ended = new Promise<void>((resolve, reject) => {
    endedResolve = resolve;
    endedReject = reject;
  });
  ended.catch(() => {});
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      resolve(res);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ id, event, data: data.join('\n') });
        }
        for (const waiter of waiters) waiter();
      });
      res.on('end', () => endedResolve());
      res.on('error', (error) => endedReject(error));
    });
    req.on('error', (error) => {
      reject(error);
      endedReject(error);
    });
    req.end();
  });
  response.catch(() => {});
  return {
    messages,
    comments,
    response,
    ended,
    until(condition, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (condition(messages)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE condition not met within ${timeoutMs} ms; got ${messages.length} messages`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    drop() {
      req.destroy();
    },
  };
}
