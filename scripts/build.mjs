#!/usr/bin/env node
// Builds src/ into dist/ with tsc, then copies the non-TypeScript assets the runtime reads
// (SQL migrations). `--if-needed` skips the build when dist/ is newer than every source file,
// so `npm start` stays fast on a second run.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (process.argv.includes('--if-needed') && existsSync(stamp)) {
  const inputs = Math.max(newestMtime(src), statSync(join(root, 'package.json')).mtimeMs);
  if (statSync(stamp).mtimeMs >= inputs) process.exit(0);
}

process.stdout.write('holdfast: building dist/ …\n');
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
cpSync(src, dist, {
  recursive: true,
  filter: (from) => statSync(from).isDirectory() || from.endsWith('.sql'),
});
writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stdout.write(`holdfast: built ${relative(root, dist)}/\n`);
