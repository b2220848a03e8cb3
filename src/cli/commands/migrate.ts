import type { Command } from 'commander';
import { migrate } from '../../store/migrate.js';
import { openStore } from '../../store/open-store.js';
import { databaseOf, type GlobalOptions, loadConfig, print, withDatabase } from '../context.js';

export function registerMigrate(program: Command): void {
  withDatabase(
    program
      .command('migrate')
      .description('Create or update the database schema (safe to run from several processes at once).'),
  ).action(async (options: GlobalOptions) => {
    const store = await openStore(databaseOf(options, await loadConfig(options)));
    try {
      const result = await migrate(store);
      print(options, { database: store.description, ...result }, (r) =>
        r.applied.length > 0
          ? `Applied ${r.applied.join(', ')} to ${r.database}; schema at ${r.current}.`
          : `${r.database} is up to date (schema ${r.current}).`,
      );
    } finally {
      await store.close();
    }
  });
}
