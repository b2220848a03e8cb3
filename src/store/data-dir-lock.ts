import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { holdfastError } from '../errors/holdfast-error.js';
import { prepareDataDir } from './data-dir.js';

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

/**
 * An exclusive lock on an embedded data directory. PGlite itself does not lock its files, and two
 * processes writing one directory would corrupt it, so the first holder wins and the second fails
 * at once with STORE_LOCKED naming the holder. A lock left by a process that died (kill -9, power
 * loss) is taken over: its pid no longer runs on this host.
 */
export class DataDirLock {
  readonly path: string;
  #held = false;
  readonly #onExit = () => this.release();

  private constructor(readonly dataDir: string) {
    this.path = join(dataDir, 'holdfast.lock');
  }

  static acquire(dataDir: string): DataDirLock {
    const lock = new DataDirLock(prepareDataDir(dataDir));
    lock.#take();
    process.once('exit', lock.#onExit);
    return lock;
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    process.removeListener('exit', this.#onExit);
    try {
      if (readOwner(this.path)?.pid === process.pid) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }

  #take(): void {
    for (let tries = 0; tries < 5; tries += 1) {
      if (this.#tryCreate()) {
        this.#held = true;
        return;
      }
      const owner = readOwner(this.path);
      if (owner === undefined) continue; // vanished or half-written: try again
      if (owner.pid === process.pid && owner.host === hostname()) {
        throw lockedError(this.dataDir, owner, 'this process already opened it');
      }
      if (isAlive(owner)) throw lockedError(this.dataDir, owner);
      this.#removeStale(owner);
    }
    throw lockedError(this.dataDir, readOwner(this.path));
  }

  #tryCreate(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(owner));
    closeSync(fd);
    return true;
  }

  /**
   * Moves a dead owner's lock aside. rename is atomic, so of two processes doing this only one
   * moves the file; if what we moved turns out to be a live owner's fresh lock, we put it back.
   */
  #removeStale(stale: LockOwner): void {
    const aside = `${this.path}.stale-${process.pid}`;
    try {
      renameSync(this.path, aside);
    } catch {
      return;
    }
    const moved = readOwner(aside);
    if (moved !== undefined && (moved.pid !== stale.pid || moved.since !== stale.since)) {
      try {
        linkSync(aside, this.path);
      } catch {
        // Someone created a new lock meanwhile; theirs stands.
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      // Best effort.
    }
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.host !== 'string') return undefined;
    return { pid: owner.pid, host: owner.host, since: String(owner.since ?? '') };
  } catch {
    return undefined;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host cannot be checked; assume it is live rather than risk corruption.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dataDir: string, owner: LockOwner | undefined, note?: string) {
  return holdfastError(
    'STORE_LOCKED',
    { dataDir, pid: owner?.pid, host: owner?.host },
    note ? { message: `The data directory ${dataDir} is already open (${note})` } : undefined,
  );
}
