import type { Command } from 'commander';
import { registerSimulate } from './simulate.js';

/** Every `holdfast` subcommand. */
export function registerCommands(program: Command): void {
  registerSimulate(program);
}
