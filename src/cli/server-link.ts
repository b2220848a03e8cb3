import { chmodSync, existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * How the CLI finds the server that holds an embedded data directory. The embedded database
 * allows one process, so while `holdfast start` runs, `holdfast jobs …` cannot open it; instead
 * it reads this file — the server's URL and a credential made for this run — and asks the
 * server. The file is readable by its owner only (0600) and removed when the server stops.
 */
export interface ServerLink {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

const fileName = 'server.json';

/** Whether a database option names an embedded data directory (not PostgreSQL, not memory). */
export function isEmbeddedDirectory(database: string): boolean {
  return !/^postgres(ql)?:\/\//.test(database) && database !== 'memory://' && database !== ':memory:';
}

export function embeddedPath(database: string): string {
  return resolve(database.startsWith('file://') ? new URL(database).pathname : database);
}

export function writeServerLink(
  dataDir: string,
  link: Omit<ServerLink, 'pid' | 'host' | 'startedAt'>,
): () => void {
  const path = join(dataDir, fileName);
  const temporary = `${path}.${process.pid}`;
  const content: ServerLink = {
    ...link,
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  return () => {
    try {
      if (readLink(path)?.pid === process.pid) unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}

/** The live server holding `dataDir`, if there is one on this host. */
export function readServerLink(dataDir: string): ServerLink | undefined {
  const link = readLink(join(dataDir, fileName));
  if (link === undefined || link.host !== hostname()) return undefined;
  try {
    process.kill(link.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return link;
}

function readLink(path: string): ServerLink | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerLink>;
    if (typeof value.url !== 'string' || typeof value.token !== 'string' || typeof value.pid !== 'number') {
      return undefined;
    }
    return value as ServerLink;
  } catch {
    return undefined;
  }
}
