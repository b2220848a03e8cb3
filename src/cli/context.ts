import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { HoldfastConfig } from '../holdfast/define-config.js';

export interface GlobalOptions {
  readonly database?: string;
  readonly config?: string;
  readonly json?: boolean;
}

/** Adds the options every command that opens the database shares. */
export function withDatabase(command: Command): Command {
  return command
    .option(
      '-d, --database <url|dir>',
      'PostgreSQL URL, embedded data directory, or memory:// (default: $DATABASE_URL, else .holdfast)',
    )
    .option(
      '-c, --config <file>',
      'configuration module (default: holdfast.config.js or .mjs in this directory, if any)',
    )
    .option('--json', 'print machine-readable JSON');
}

/** The database to use: the option, then DATABASE_URL, then the embedded default. */
export function databaseOf(options: GlobalOptions, config?: HoldfastConfig): string {
  return options.database ?? process.env.DATABASE_URL ?? config?.database ?? '.holdfast';
}

/** Loads the configuration module, if one is given or found. */
export async function loadConfig(options: GlobalOptions): Promise<HoldfastConfig | undefined> {
  const candidates = options.config ? [options.config] : ['holdfast.config.js', 'holdfast.config.mjs'];
  for (const file of candidates) {
    const path = resolve(file);
    if (!existsSync(path)) {
      if (options.config) throw new Error(`configuration file ${file} not found`);
      continue;
    }
    const module = (await import(pathToFileURL(path).href)) as { default?: HoldfastConfig };
    if (!module.default) throw new Error(`${file} must export default defineConfig({ … })`);
    return module.default;
  }
  return undefined;
}

/** Prints a value as JSON, or as text through `text`. */
export function print<T>(options: GlobalOptions, value: T, text: (value: T) => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
}

/** Formats rows as an aligned text table. */
export function table(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    v === null || v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}
