import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { holdfastError } from '../../errors/holdfast-error.js';
import type { ServerExtensions } from '../create-server.js';
import { type BundleFile, defaultBundleDir, loadBundle } from './dashboard-bundle.js';

export interface DashboardOptions {
  /** The built dashboard (default: `dist/web`, see `defaultBundleDir`). */
  readonly dir?: string;
}

/** Paths that belong to the API: never answered with the dashboard's page. */
const apiPrefixes = ['/v1/', '/v1', '/health', '/metrics', '/docs', '/openapi.json'];

/**
 * Headers of the dashboard's page. The policy allows the page's own scripts and styles and
 * connections back to this origin (fetch, EventSource, WebSocket) — nothing inline, nothing from
 * elsewhere — and no framing, so another site cannot overlay it.
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard, served at `/` on the API's origin: its built files from memory, and its page for
 * every other path that is not the API's (`/jobs/…`, `/quotas`…), so that links into it work.
 * Without a built bundle, `/` says how to build one.
 */
export function dashboardExtension(options: DashboardOptions = {}): ServerExtensions {
  return {
    mount: (app: FastifyInstance) => {
      const dir = options.dir ?? defaultBundleDir();
      const files = dir === undefined ? new Map<string, BundleFile>() : loadBundle(dir);
      const page = files.get('/index.html');
      for (const [path, file] of files) {
        if (path === '/index.html') continue;
        app.get(path, (request, reply) => send(request, reply, file));
      }
      const fallback = async (request: FastifyRequest, reply: FastifyReply) => {
        const path = request.url.split('?')[0]!;
        const last = path.slice(path.lastIndexOf('/') + 1);
        if (
          apiPrefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`)) ||
          last.includes('.')
        ) {
          throw holdfastError('NOT_FOUND', { kind: 'route', id: `GET ${path}` });
        }
        if (!page)
          return reply.code(503).headers(pageHeaders).type('text/html; charset=utf-8').send(notBuilt);
        return send(request, reply, page);
      };
      app.get('/', fallback);
      app.get('/*', fallback);
    },
  };
}

function send(request: FastifyRequest, reply: FastifyReply, file: BundleFile) {
  reply.headers({
    ...(file.type.startsWith('text/html') ? pageHeaders : { 'x-content-type-options': 'nosniff' }),
    'content-type': file.type,
    etag: file.etag,
    'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  });
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const gzip = file.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? file.gzip : file.body);
}

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Holdfast</title></head>
<body><main>
<h1>The dashboard is not built</h1>
<p>Build it with <code>npm run build</code> (or <code>npm start</code>, which builds what is missing), then reload. The API is at <a href="/docs">/docs</a>.</p>
<h1 lang="fr">Le tableau de bord n'est pas construit</h1>
<p lang="fr">Construisez-le avec <code>npm run build</code> (ou <code>npm start</code>, qui construit ce qui manque), puis rechargez la page. L'API est décrite sur <a href="/docs">/docs</a>.</p>
</main></body></html>
`;
