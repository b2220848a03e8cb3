import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { configError } from '../errors/config-error.js';
import { isHoldfastError } from '../errors/holdfast-error.js';
import type { FaultRule, ProviderName } from './fault.js';
import { FaultInjector } from './fault-injector.js';
import { parseFaultSpec } from './fault-spec.js';
import { listenError } from './listen-error.js';
import { anthropic } from './providers/anthropic.js';
import { gemini } from './providers/gemini.js';
import { type KeepaOptions, keepa } from './providers/keepa.js';
import { openai } from './providers/openai.js';
import {
  BadRequest,
  headerLookup,
  type ProviderModule,
  requestUrl,
  type SimContext,
} from './providers/provider.js';
import { RequestLog, type Usage } from './request-log.js';
import { ResponseWriter } from './response-writer.js';
import { checkSimulatorOptions } from './simulator-options.js';

export interface SimulatorOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Seed of every generated answer, id, embedding and probabilistic fault (default 1). */
  readonly seed?: number;
  /** Faults active from the start: rules, or the compact syntax ('openai:429:0.1,gemini:daily-quota'). */
  readonly faults?: readonly FaultRule[] | string;
  /** The Keepa-like token bucket. */
  readonly keepa?: KeepaOptions;
  /** Pause between stream chunks (default 0), to make streams last. */
  readonly chunkDelayMs?: number;
  /** Requests kept in the log (default 10,000). */
  readonly logCapacity?: number;
  /** Clock in epoch ms (tests); time windows, rate windows and token buckets follow it. */
  readonly now?: () => number;
  /** Largest request body accepted (default 10 MB). */
  readonly maxBodyBytes?: number;
}

export interface Simulator {
  /** Base URL, e.g. http://127.0.0.1:9090 — use it as OPENAI_BASE_URL (+ '/v1'), etc. */
  readonly url: string;
  readonly port: number;
  readonly faults: {
    add(rules: readonly FaultRule[] | string): number[];
    clear(): void;
    list(): unknown[];
  };
  /** Attempts received for a provider (and route): retries count one each. */
  attempts(provider: ProviderName, route?: string): number;
  /** Counts, ledger and log, as GET /_sim/requests returns them. */
  requests(options?: { limit?: number; since?: number }): ReturnType<RequestLog['snapshot']>;
  /** Forgets faults, log, ledger and per-key state; restarts windows; optionally reseeds. */
  reset(options?: { seed?: number }): void;
  close(): Promise<void>;
}

/**
 * A standalone HTTP server that speaks OpenAI's, Anthropic's, Gemini's and a Keepa-like API's
 * wire formats, answers deterministically, and misbehaves on demand.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  checkSimulatorOptions(options);
  let seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  let chunkDelayMs = options.chunkDelayMs ?? 0;
  const injector = new FaultInjector(seed, now);
  const log = new RequestLog(options.logCapacity);
  let state = new Map<string, unknown>();
  let startedAt = now();
  const keepaModule = keepa(options.keepa);
  // Paths barely overlap (Gemini's have ':action' or /v1beta; GET /v1/models is told apart by its
  // key header), so the busiest goes first.
  const providers: ProviderModule[] = [openai, anthropic, gemini, keepaModule];
  if (options.faults)
    injector.add(typeof options.faults === 'string' ? parseFaultSpec(options.faults) : options.faults);

  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `simulator failure: ${(error as Error).message}` } }));
      } else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = requestUrl(req.url ?? '/');
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req, maxBody);
    if (url.pathname.startsWith('/_sim/')) return control(req, res, url, raw);

    let body: unknown;
    let unparsable = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        unparsable = true;
      }
    }
    const header = headerLookup(req.rawHeaders);
    let provider: ProviderModule | undefined;
    let matched: ReturnType<ProviderModule['match']>;
    for (const candidate of providers) {
      matched = candidate.match(method, url, body, header);
      if (matched) {
        provider = candidate;
        break;
      }
    }
    if (!provider || !matched) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: `The simulator has no endpoint ${method} ${url.pathname}`,
            type: 'invalid_request_error',
          },
        }),
      );
      return;
    }

    const apiKey = provider.apiKey(header, url);
    const seq = log.nextSeq();
    log.count(provider.name, matched.route);
    const decision =
      apiKey === undefined
        ? { delayMs: 0, fault: undefined, rules: [] }
        : injector.decide({ provider: provider.name, route: matched.route, apiKey });
    const writer = new ResponseWriter(req, res, decision.fault, chunkDelayMs);
    const ctx = new Context(seed, seq, now, { method, url, header, body, apiKey }, writer, state);
    // Only faults that wait need to know when the client goes away.
    const finished = () =>
      new Promise<void>((resolve) => (res.destroyed ? resolve() : res.once('close', () => resolve())));

    const fault = decision.fault;
    if (apiKey === undefined) provider.refuse(ctx, { kind: 'no-key' });
    else {
      if (decision.delayMs > 0)
        await Promise.race([new Promise((r) => setTimeout(r, decision.delayMs)), finished()]);
      if (writer.closed) {
        // The client gave up during the delay.
      } else if (fault?.kind === 'hang') {
        await finished();
      } else if (fault?.kind === 'reset') {
        req.socket.resetAndDestroy();
      } else if (
        fault?.kind === 'rate-limit' ||
        fault?.kind === 'quota' ||
        fault?.kind === 'daily-quota' ||
        fault?.kind === 'status'
      ) {
        provider.refuse(ctx, fault);
      } else if (unparsable) {
        provider.refuse(ctx, {
          kind: 'bad-request',
          message: 'We could not parse the JSON body of your request.',
        });
      } else {
        try {
          await matched.handle(ctx);
        } catch (error) {
          if (!(error instanceof BadRequest) || res.headersSent) throw error;
          provider.refuse(ctx, { kind: 'bad-request', message: error.message, param: error.param });
        }
      }
    }
    const record = () =>
      log.record({
        seq,
        at: now() - startedAt,
        provider: provider.name,
        route: matched.route,
        method,
        path: url.pathname,
        model: ctx.modelName,
        key: apiKey?.slice(-4),
        stream: matched.stream,
        status: writer.status,
        fault: fault?.kind,
        ending: fault?.kind === 'hang' ? 'hang' : fault?.kind === 'reset' ? 'reset' : writer.ending,
        usage: ctx.usage,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    // A stalled answer is logged when the client gives up; the others at once.
    if (writer.ending === 'stalled') void finished().then(record);
    else record();
  }

  async function control(
    req: IncomingMessage,
    res: ServerResponse,
    url: ReturnType<typeof requestUrl>,
    raw: string,
  ): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body, null, url.searchParams.has('pretty') ? 2 : undefined);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const method = req.method ?? 'GET';
    try {
      switch (`${method} ${url.pathname}`) {
        case 'GET /_sim/health':
          return send(200, { ok: true, seed, uptimeMs: now() - startedAt, chunkDelayMs });
        case 'GET /_sim/faults':
          return send(200, { faults: injector.list() });
        case 'POST /_sim/faults': {
          const rules = parseFaultBody(raw, req.headers['content-type']);
          return send(201, { added: injector.add(rules), faults: injector.list() });
        }
        case 'DELETE /_sim/faults':
          injector.clear();
          return send(200, { faults: [] });
        case 'GET /_sim/requests': {
          const limit = Number(url.searchParams.get('limit') ?? 1000);
          const since = Number(url.searchParams.get('since') ?? 0);
          return send(200, log.snapshot({ limit, since }));
        }
        case 'POST /_sim/reset': {
          const parsed = raw ? (JSON.parse(raw) as { seed?: unknown }) : {};
          reset(typeof parsed.seed === 'number' ? { seed: parsed.seed } : {});
          return send(200, { ok: true, seed });
        }
        case 'POST /_sim/config': {
          const parsed = JSON.parse(raw || '{}') as { chunkDelayMs?: unknown };
          if (typeof parsed.chunkDelayMs === 'number' && parsed.chunkDelayMs >= 0)
            chunkDelayMs = parsed.chunkDelayMs;
          return send(200, { chunkDelayMs });
        }
        default:
          return send(404, { error: { message: `No control endpoint ${method} ${url.pathname}` } });
      }
    } catch (error) {
      return send(400, {
        error: isHoldfastError(error)
          ? { message: error.message, code: error.code, recommendations: error.recommendations() }
          : { message: (error as Error).message },
      });
    }
  }

  function reset(resetOptions: { seed?: number } = {}): void {
    seed = resetOptions.seed ?? seed;
    injector.reset(seed);
    log.reset();
    state = new Map();
    startedAt = now();
  }

  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    faults: {
      add: (rules) => injector.add(typeof rules === 'string' ? parseFaultSpec(rules) : rules),
      clear: () => injector.clear(),
      list: () => injector.list(),
    },
    attempts: (provider, route) => log.attempts(provider, route),
    requests: (o) => log.snapshot(o),
    reset,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The per-request context handed to provider handlers. */
class Context implements SimContext {
  usage: Usage = { input: 0, output: 0 };
  modelName: string | undefined;

  constructor(
    readonly seed: number,
    readonly seq: number,
    readonly now: () => number,
    readonly request: SimContext['request'],
    readonly writer: ResponseWriter,
    private readonly store: Map<string, unknown>,
  ) {
    const model = (request.body as { model?: unknown } | undefined)?.model;
    this.modelName = typeof model === 'string' ? model : undefined;
  }

  charge(usage: Usage): void {
    this.usage = usage;
  }

  model(name: string): void {
    this.modelName = name;
  }

  state<T>(key: string, create: () => T): T {
    let value = this.store.get(key) as T | undefined;
    if (value === undefined) {
      value = create();
      this.store.set(key, value);
    }
    return value;
  }
}

function parseFaultBody(raw: string, contentType: string | undefined): FaultRule[] {
  if (!contentType?.includes('json')) return parseFaultSpec(raw);
  const parsed = JSON.parse(raw) as { spec?: unknown; rules?: unknown } | unknown[];
  if (Array.isArray(parsed)) return parsed as FaultRule[];
  if (typeof parsed.spec === 'string') return parseFaultSpec(parsed.spec);
  if (Array.isArray(parsed.rules)) return parsed.rules as FaultRule[];
  throw configError('POST /_sim/faults', [
    'takes {"spec": "openai:429:0.1"}, {"rules": [...]} or the spec as text/plain',
    'attend {"spec": "openai:429:0.1"}, {"rules": [...]} ou la spécification en text/plain',
  ]);
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new Error(`request body over ${max} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    // Decoded once at the end, so a multi-byte character split across chunks stays whole.
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
