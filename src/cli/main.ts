#!/usr/bin/env node
import { Command } from 'commander';
import { isHoldfastError } from '../errors/holdfast-error.js';
import { registerCommands } from './commands/index.js';
import { version } from './version.js';

const program = new Command()
  .name('holdfast')
  .description('Run AI pipelines against paid, rate-limited APIs without losing data or overspending.')
  .version(version)
  .showHelpAfterError('(add --help for usage)');

registerCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (isHoldfastError(error)) {
    process.stderr.write(`holdfast: ${error.code}: ${error.message}\n`);
    for (const line of error.recommendations()) process.stderr.write(`  - ${line}\n`);
  } else {
    process.stderr.write(`holdfast: ${(error as Error).message ?? String(error)}\n`);
  }
  process.exit(1);
});
