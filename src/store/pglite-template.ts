import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startPgliteWorker } from './pglite-worker-client.js';

/**
 * PostgreSQL settings for the embedded database. PGlite's defaults (128 MB shared buffers) and
 * its initdb run cost 600–800 MB of memory; a job queue needs far less.
 */
export const pgliteSettings: readonly string[] = [
  'shared_buffers=16MB',
  'work_mem=4MB',
  'maintenance_work_mem=16MB',
  'max_wal_size=64MB',
  'min_wal_size=32MB',
];

/** PGlite's version names the template: a new PGlite never starts from an older one's files. */
const pgliteVersion = (() => {
  // The package does not export its package.json; find it next to the resolved entry point.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
})();

let pending: Promise<string> | undefined;

/**
 * A freshly initialised data directory as a tarball, made once per machine and PGlite version and
 * kept in the temp directory. New databases (in memory or in an empty directory) start from it in
 * about half a second instead of running initdb, which takes seconds and a burst of memory; initdb
 * runs on a throwaway thread whose memory is returned when it ends.
 */
export function pgliteTemplate(): Promise<string> {
  pending ??= makeTemplate().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

async function makeTemplate(): Promise<string> {
  const dir = join(tmpdir(), 'holdfast');
  const path = join(dir, `pglite-${pgliteVersion}-template.tar`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const worker = await startPgliteWorker({ postgresqlconf: [...pgliteSettings] });
  try {
    const tarball = (await worker.call('dump', {})) as Uint8Array;
    // Write aside then rename: a concurrent process never reads a half-written template.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, tarball);
    renameSync(partial, path);
  } finally {
    await worker.terminate();
  }
  return path;
}
