import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PostgreSQL binaries of this machine (Debian puts them under /usr/lib/postgresql/<v>/bin). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  return join(root, version!, 'bin');
}

/** Whether this machine can run a throwaway cluster (server binaries installed). */
export function canRunCluster(): boolean {
  try {
    return existsSync(join(binDir(), 'initdb'));
  } catch {
    return false;
  }
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ThrowawayCluster {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly adminUrl: string;
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash or a failover. */
  crash(): Promise<void>;
  start(): Promise<void>;
  /** crash(), then start() again after `downMs`. */
  restart(downMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, on a port of its own, in a temporary directory — so a
 * test can crash and restart it without touching the shared server on 5432. As root (CI), the
 * server runs as the `postgres` user, which initdb requires.
 */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'hf-pgc-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const exec = (file: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, file), ...args]) : run(join(bin, file), args);
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    // Fast but crash-safe for what the tests do: a killed server loses nothing it acknowledged
    // (the WAL is written before each commit returns; only an operating-system crash could lose
    // what fsync=off leaves in the page cache). synchronous_commit stays on: with it off, a
    // crash loses commits already acknowledged, and a test would blame the application.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
    '-c shared_buffers=32MB',
  ].join(' ');
  const pgCtl = (...args: string[]) => exec('pg_ctl', ['-D', data, '-l', join(dir, 'log'), ...args]);
  const start = async () => {
    await pgCtl('-o', options, '-w', '-t', '30', 'start');
  };
  await start();
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let running = true;
  const cluster: ThrowawayCluster = {
    port,
    adminUrl: url('postgres'),
    url,
    async createDatabase(name) {
      await exec('psql', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        '-c',
        `create database ${name}`,
      ]);
      return url(name);
    },
    async crash() {
      await pgCtl('-m', 'immediate', '-w', 'stop');
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async restart(downMs = 0) {
      await cluster.crash();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await cluster.start();
    },
    async destroy() {
      if (running) await pgCtl('-m', 'immediate', '-w', 'stop').catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}
