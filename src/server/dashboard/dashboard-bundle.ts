import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One file of the built dashboard, ready to send. */
export interface BundleFile {
  readonly body: Buffer;
  /** The same, gzipped, for text files that shrink. */
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  /** Vite names assets after their content's hash: they never change, so browsers keep them. */
  readonly immutable: boolean;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
const compressible = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

/**
 * Where the built dashboard is: `dist/web` beside the compiled server (an installed package, or
 * `npm start`), or the repository's `dist/web` when the server runs from its TypeScript sources.
 */
export function defaultBundleDir(): string | undefined {
  const candidates = [new URL('../../web/', import.meta.url), new URL('../../../dist/web/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/**
 * Reads the whole bundle into memory, keyed by URL path (`/index.html`, `/assets/index-3f2a.js`).
 * It is a few hundred kilobytes: held in memory, it is served without touching the disk, and only
 * files that exist in it can ever be served.
 */
export function loadBundle(dir: string): Map<string, BundleFile> {
  const files = new Map<string, BundleFile>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      // Dotfiles (the build's stamp) are bookkeeping, not part of the page.
      if (entry.name.startsWith('.')) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && statSync(path).size > 0) {
        const ext = entry.name.slice(entry.name.lastIndexOf('.'));
        if (ext === '.map') continue;
        const body = readFileSync(path);
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        const gzip = compressible.has(ext) ? gzipSync(body, { level: 9 }) : undefined;
        files.set(url, {
          body,
          gzip: gzip && gzip.length < body.length ? gzip : undefined,
          type: types[ext] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}
