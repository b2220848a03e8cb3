#!/usr/bin/env node
// Builds src/ into dist/ with tsc, copies the non-TypeScript assets the runtime reads (SQL
// migrations), then builds the dashboard (web/) into dist/web with Vite. `--if-needed` skips each
// part whose output is newer than every one of its sources, so `npm start` stays fast on a second
// run. `--web` builds the dashboard only.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const web = join(root, 'web');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const webStamp = join(dist, 'web', '.build-stamp');
const ifNeeded = process.argv.includes('--if-needed');
const webOnly = process.argv.includes('--web');

/** @param {string} dir */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether `stampFile` is newer than every file under `dirs` and package.json.
 * @param {string} stampFile
 * @param {string[]} dirs
 */
function upToDate(stampFile, dirs) {
  if (!existsSync(stampFile)) return false;
  const inputs = Math.max(...dirs.map(newestMtime), statSync(join(root, 'package.json')).mtimeMs);
  return statSync(stampFile).mtimeMs >= inputs;
}

if (!webOnly && !(ifNeeded && upToDate(stamp, [src]))) {
  process.stdout.write('holdfast: building dist/ …\n');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  cpSync(src, dist, {
    recursive: true,
    filter: (from) => statSync(from).isDirectory() || from.endsWith('.sql'),
  });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.stdout.write(`holdfast: built ${relative(root, dist)}/\n`);
}

if (!(ifNeeded && upToDate(webStamp, [web]))) {
  process.stdout.write('holdfast: building the dashboard into dist/web/ …\n');
  const { build } = await import('vite');
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });
  writeFileSync(webStamp, `${new Date().toISOString()}\n`);
  process.stdout.write(`holdfast: built ${relative(root, join(dist, 'web'))}/\n`);
}
