import type { Command } from 'commander';
import { registerCleanup } from './cleanup.js';
import { registerJobs } from './jobs.js';
import { registerKeys } from './keys.js';
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
  registerKeys(program);
  registerCleanup(program);
  registerSimulate(program);
}
