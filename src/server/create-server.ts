import websocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { type HoldfastError, holdfastError, isHoldfastError } from '../errors/holdfast-error.js';
import { pickLocale } from '../errors/recommendations.js';
import type { Holdfast } from '../runtime/holdfast.js';
import { internalsOf } from '../runtime/internals.js';
import { ApiKeys } from './auth/api-keys.js';
import { Authenticator } from './auth/authenticator.js';
import { JobTokens } from './auth/job-tokens.js';
import { sessionRoutes } from './dashboard/session-routes.js';
import { Sessions } from './dashboard/sessions.js';
import { asHoldfastError, errorReply } from './http/error-reply.js';
import { registerRoutes } from './http/register-routes.js';
import type { AnyRouteSpec } from './http/route-spec.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { docsPage } from './openapi/docs-page.js';
import { openApiDocument } from './openapi/openapi-document.js';
import { packageVersion } from './package-version.js';
import { adminRoutes } from './routes/admin-routes.js';
import { docsRoutes } from './routes/docs-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { jobInsightRoutes } from './routes/job-insight-routes.js';
import { jobRoutes } from './routes/job-routes.js';
import { pipelineRoutes } from './routes/pipeline-routes.js';
import { quotaRoutes } from './routes/quota-routes.js';
import { streamRoutes } from './routes/stream-routes.js';
import { registerWebSocket, wsRouteDoc } from './routes/ws-route.js';
import type { ServerContext } from './server-context.js';
import { type ResolvedServerOptions, resolveServerOptions, type ServerOptions } from './server-options.js';
import { LiveHub } from './streams/live-hub.js';
import { PipelineOfJob } from './streams/pipeline-of-job.js';
import { SharedReplay } from './streams/shared-replay.js';

export interface HoldfastServer {
  /** The Fastify instance: `app.inject()` in tests; later layers mount more on it (the dashboard at `/`). */
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  readonly options: ResolvedServerOptions;
  /** Every route, as the OpenAPI document lists them. */
  readonly routes: readonly AnyRouteSpec[];
  /** Every `METHOD /path` Fastify serves (to check the document against). */
  readonly served: readonly string[];
  /** The base URL once listening (`http://127.0.0.1:8080`). */
  readonly url: string | undefined;
  /** Starts listening; PORT_IN_USE when the port is taken. Returns the base URL. */
  listen(): Promise<string>;
  /**
   * The first step of a shutdown, at once: readiness answers 503, new connections are refused,
   * open streams get a `closing` event and end. Workers are the caller's to stop.
   */
  beginShutdown(): void;
  /** Shuts down (if not begun) and waits until every connection is closed. Leaves `hf` open. */
  close(): Promise<void>;
  openApi(): Record<string, unknown>;
}

/** What later parts plug into the server before it starts (notifications, the dashboard). */
export interface ServerExtensions {
  /**
   * More routes, declared like the built-in ones: they get authentication, validation, the error
   * envelope and their place in the OpenAPI document (`GET /v1/notifications`).
   */
  readonly routes?: (context: ServerContext) => readonly AnyRouteSpec[];
  /**
   * Anything else to mount on Fastify before it starts — the dashboard's static files at `/`,
   * a cookie session. Runs after the API's routes are registered.
   */
  readonly mount?: (app: FastifyInstance, context: ServerContext) => void | Promise<void>;
}

/**
 * The HTTP face of a Holdfast instance: the API, live event streams, health, metrics, the
 * OpenAPI document and its reference page. Opens the instance's database if needed; starts no
 * worker (that is `hf.start()`'s job, so API-only and worker-only processes are one flag apart).
 */
export async function createServer(
  hf: Holdfast,
  serverOptions: ServerOptions = {},
  extensions: ServerExtensions = {},
): Promise<HoldfastServer> {
  const options = resolveServerOptions(serverOptions);
  const internals = internalsOf(hf);
  const services = await internals.open();
  const { store, clock, bus, logger } = services;
  const keys = new ApiKeys(store, clock, options.keyCacheTtlMs);
  await keys.start();
  const tokens = await JobTokens.load(store, clock.now());
  const sessions = new Sessions(store, clock, {
    ttlMs: options.sessionTtlMs,
    linkTtlMs: options.signInLinkTtlMs,
    cacheTtlMs: options.keyCacheTtlMs,
  });
  const hub = new LiveHub(bus, {
    heartbeatMs: options.heartbeatMs,
    onError: (error) => logger.warn({ err: error }, 'live stream failed'),
  });
  hub.start();
  const pipelineOf = new PipelineOfJob(async (jobId) => (await hf.jobs.get(jobId)).pipeline);
  pipelineOf.listen(hub);
  const metrics = new ServerMetrics({ hf, internals, services, hub });
  const context: ServerContext = {
    hf,
    internals,
    services,
    options,
    keys,
    tokens,
    sessions,
    hub,
    pipelineOf,
    replay: new SharedReplay(store),
    metrics,
    state: { draining: false, startedAt: Date.now() },
    version: packageVersion,
  };
  const authenticator = new Authenticator({
    keys,
    tokens,
    clock,
    auth: options.auth,
    localToken: options.localToken,
    sessions,
  });

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // Answered by our own hook, with the error envelope, instead of Fastify's plain 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // No implicit HEAD twins: a HEAD on an event stream would hold a connection for nothing.
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 200 },
    // Failures the router meets before any route runs: a URL it cannot decode, a path segment
    // longer than any id. The same envelope as everything else.
    frameworkErrors: (error, request, reply) => {
      const where =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? 'a path segment is longer than 200 characters'
          : 'is not a valid URL';
      const answer = errorReply(
        holdfastError('VALIDATION_ERROR', {
          field: 'url',
          issues: [{ path: 'url', message: where }],
          subject: 'request',
        }),
        pickLocale(request.headers['accept-language']),
        clock.now(),
      );
      // Typed loosely by Fastify here (no route, no schema): the raw reply takes any status.
      (reply as FastifyReply).code(answer.status).headers(answer.headers).send(answer.body);
    },
  });
  app.decorateRequest('principal', undefined);
  const served: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) served.push(`${method} ${route.url}`);
  });
  installBodyParsing(app);
  app.setErrorHandler((error, request, reply) => {
    const mapped = fromFastify(error as FastifyError, options.bodyLimit, request.headers['content-type']);
    const { error: holdfast, unexpected } = mapped
      ? { error: mapped, unexpected: false }
      : asHoldfastError(error);
    if (unexpected)
      logger.error(
        { err: error, method: request.method, url: request.url },
        'unexpected error answering a request',
      );
    const answer = errorReply(holdfast, pickLocale(request.headers['accept-language']), clock.now());
    reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  app.setNotFoundHandler((request) => {
    throw holdfastError('NOT_FOUND', { kind: 'route', id: `${request.method} ${request.url.split('?')[0]}` });
  });
  app.addHook('onRequest', async (request) => {
    if (context.state.draining && !request.url.startsWith('/health')) {
      throw holdfastError('SHUTTING_DOWN', { retryAfterMs: 1000 });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.answered(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  let document: Record<string, unknown> | undefined;
  let page: string | undefined;
  const openApi = () => {
    document ??= openApiDocument(routes, packageVersion);
    return document;
  };
  const routes: AnyRouteSpec[] = options.operationsOnly
    ? [...healthRoutes(context)]
    : [
        ...jobRoutes(context),
        ...jobInsightRoutes(context),
        ...streamRoutes(context),
        wsRouteDoc,
        ...pipelineRoutes(context),
        ...quotaRoutes(context),
        ...healthRoutes(context),
        ...adminRoutes(context),
        ...sessionRoutes(context),
        ...(extensions.routes?.(context) ?? []),
      ];
  const documents = docsRoutes({
    document: openApi,
    page: () => {
      page ??= docsPage(openApi());
      return page;
    },
    metrics: () => metrics.render(),
  });
  routes.push(...(options.operationsOnly ? documents.filter((r) => r.operationId === 'metrics') : documents));
  registerRoutes(app, routes, authenticator);
  if (!options.operationsOnly) registerWebSocket(app, context, authenticator);
  await extensions.mount?.(app, context);
  await app.ready();

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  const server: HoldfastServer = {
    app,
    context,
    options,
    routes,
    served,
    get url() {
      return url;
    },
    async listen() {
      try {
        await app.listen({ host: options.host, port: options.port });
      } catch (error) {
        throw listenFailure(error, options.host, options.port);
      }
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      url = `http://${host}:${port}`;
      return url;
    },
    beginShutdown() {
      if (context.state.draining) return;
      context.state.draining = true;
      // Refuse new connections now; keep-alive ones left idle go too. Requests that still come
      // on open connections get SHUTTING_DOWN, and /health/ready answers 503.
      if (app.server.listening) {
        app.server.close();
        app.server.closeIdleConnections();
      }
      hub.closeAll();
    },
    async close() {
      server.beginShutdown();
      closing ??= app.close();
      await closing;
      hub.stop();
      metrics.stop();
      pipelineOf.stop();
      await keys.stop();
    },
    openApi,
  };
  return server;
}

/** JSON bodies, where an empty body means "no body"; any other content type is refused (415). */
function installBodyParsing(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    json(request, text, done);
  });
}

/** Fastify's own failures (body too large, not JSON, not parseable…) as Holdfast errors. */
function fromFastify(
  error: FastifyError,
  bodyLimit: number,
  contentType: string | undefined,
): HoldfastError | undefined {
  if (isHoldfastError(error)) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return holdfastError('PAYLOAD_TOO_LARGE', { limitBytes: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return holdfastError('UNSUPPORTED_MEDIA_TYPE', {
        contentType: (contentType ?? '(none)').slice(0, 100),
        expected: ['application/json'],
      });
    default:
      break;
  }
  const status = error.statusCode ?? 0;
  if (status === 413) return holdfastError('PAYLOAD_TOO_LARGE', { limitBytes: bodyLimit });
  if (status === 415) {
    return holdfastError('UNSUPPORTED_MEDIA_TYPE', {
      contentType: (contentType ?? '(none)').slice(0, 100),
      expected: ['application/json'],
    });
  }
  if (status >= 400 && status < 500) {
    const json = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError;
    return holdfastError('VALIDATION_ERROR', {
      field: 'body',
      issues: [{ path: 'body', message: json ? 'is not valid JSON' : error.message }],
      subject: 'request',
    });
  }
  return undefined;
}

function listenFailure(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return holdfastError('PORT_IN_USE', { host, port, service: 'HTTP API' }, { cause: error });
  if (code === 'EACCES') {
    return holdfastError('CONFIG_INVALID', {
      option: '--port',
      problem: `cannot be used by this user (ports below 1024 need privileges)`,
      problemFr: `n'est pas utilisable par cet utilisateur (les ports sous 1024 demandent des privilèges)`,
      value: String(port),
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return holdfastError('CONFIG_INVALID', {
      option: '--host',
      problem: 'is not an address of this machine',
      problemFr: "n'est pas une adresse de cette machine",
      value: JSON.stringify(host),
    });
  }
  return error as Error;
}
