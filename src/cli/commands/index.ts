import type { Command } from 'commander';
import { registerJobs } from './jobs.js';
import { registerMigrate } from './migrate.js';
import { registerQuotas } from './quotas.js';
import { registerSimulate } from './simulate.js';
import { registerStart } from './start.js';

/** Every `holdfast` subcommand. */
export function registerCommands(program: Command): void {
  registerStart(program);
  registerMigrate(program);
  registerJobs(program);
  registerQuotas(program);
  registerSimulate(program);
}
