import { accessSync, constants, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { holdfastError } from '../errors/holdfast-error.js';

/** Kernel file systems (but /dev/shm, a tmpfs): nothing can be stored there, and PGlite may hang trying. */
const systemRoots = ['/proc', '/sys', '/dev'];

/**
 * Makes sure `path` can hold an embedded database — a directory (created if missing) that this
 * process may write — and says precisely why not with DATA_DIR_INVALID. Checked before PGlite
 * starts, which otherwise fails late with a raw Node error, or not at all on /proc.
 */
export function prepareDataDir(path: string): string {
  const dir = resolve(path);
  const real = realpathOfNearest(dir);
  const shm = real === '/dev/shm' || real.startsWith('/dev/shm/');
  if (!shm && systemRoots.some((root) => real === root || real.startsWith(`${root}${sep}`))) {
    throw invalid(dir, 'special-filesystem');
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw invalid(dir, 'not-a-directory');
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'EEXIST' || errno === 'ENOTDIR') throw invalid(dir, 'not-a-directory', errno, error);
    if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS')
      throw invalid(dir, 'not-writable', errno, error);
    throw invalid(dir, 'cannot-create', errno, error);
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw invalid(dir, 'not-writable', (error as NodeJS.ErrnoException).code, error);
  }
  return dir;
}

/** The real path of `dir`, or of its nearest existing ancestor (symlinks resolved). */
function realpathOfNearest(dir: string): string {
  let current = dir;
  for (;;) {
    try {
      const real = realpathSync(current);
      return current === dir ? real : resolve(real, dir.slice(current.length + 1));
    } catch {
      const parent = dirname(current);
      if (parent === current) return dir;
      current = parent;
    }
  }
}

function invalid(
  path: string,
  reason: 'not-a-directory' | 'cannot-create' | 'not-writable' | 'special-filesystem',
  errno?: string,
  cause?: unknown,
) {
  return holdfastError('DATA_DIR_INVALID', { path, reason, errno }, { cause });
}
