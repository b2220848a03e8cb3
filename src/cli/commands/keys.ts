import type { Command } from 'commander';
import { type GlobalOptions, print, table, withDatabase } from '../context.js';
import { openOperations } from '../operations.js';

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys: tenant keys for the HTTP API, and the admin key.')
    .addHelpText(
      'after',
      `
A key is shown once, when it is made: only its hash is stored. Send it as
\`Authorization: Bearer <key>\`. A tenant key sees and acts on its tenant's jobs,
events, quotas and usage only.`,
    );

  withDatabase(keys.command('create').description('Make a key for a tenant (printed once).'))
    .requiredOption('-t, --tenant <tenant>', 'the tenant the key acts for')
    .option('-n, --name <name>', 'what the key is for (ci, billing-app…)')
    .action(async (options: GlobalOptions & { tenant: string; name?: string }) => {
      const ops = await openOperations(options);
      try {
        const made = await ops.keys.create({ tenant: options.tenant, name: options.name });
        print(options, made, (m) =>
          [
            `Key ${m.info.id} for tenant ${m.info.tenant}${m.info.name ? ` (${m.info.name})` : ''}:`,
            '',
            `  ${m.key}`,
            '',
            'Keep it now: it is stored only as a hash and cannot be shown again.',
          ].join('\n'),
        );
      } finally {
        await ops.close();
      }
    });

  withDatabase(
    keys.command('list').description('Keys (never the keys themselves): tenant, name, use, revocation.'),
  )
    .option('-t, --tenant <tenant>', "only this tenant's keys")
    .action(async (options: GlobalOptions & { tenant?: string }) => {
      const ops = await openOperations(options);
      try {
        print(options, await ops.keys.list({ tenant: options.tenant }), (list) =>
          table(
            list.map((k) => ({
              id: k.id,
              role: k.role,
              tenant: k.tenant ?? '',
              name: k.name ?? '',
              created: k.createdAt,
              'last used': k.lastUsedAt ?? 'never',
              revoked: k.revokedAt ?? '',
            })),
          ),
        );
      } finally {
        await ops.close();
      }
    });

  withDatabase(
    keys.command('revoke <id>').description('Revoke a tenant key (its id, from `keys list`).'),
  ).action(async (id: string, options: GlobalOptions) => {
    const ops = await openOperations(options);
    try {
      print(
        options,
        await ops.keys.revoke(id),
        (k) => `Key ${k.id} of tenant ${k.tenant} is revoked (${k.revokedAt}).`,
      );
    } finally {
      await ops.close();
    }
  });

  withDatabase(
    keys
      .command('rotate-admin')
      .description('Replace the admin key with a new one (printed once); the old one stops working.'),
  ).action(async (options: GlobalOptions) => {
    const ops = await openOperations(options);
    try {
      const key = await ops.keys.rotateAdmin();
      print(options, { key }, (k) =>
        ['New admin key:', '', `  ${k.key}`, '', 'Keep it now: it is stored only as a hash.'].join('\n'),
      );
    } finally {
      await ops.close();
    }
  });
}
