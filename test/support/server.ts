import { afterAll } from 'vitest';
import { createHoldfast, type HoldfastOptions } from '../../src/holdfast/create-holdfast.js';
import type { Holdfast } from '../../src/runtime/holdfast.js';
import { createServer, type HoldfastServer } from '../../src/server/create-server.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import { serverBudgets, serverPipelines } from '../fixtures/server-pipelines.js';

export interface TestServer {
  readonly hf: Holdfast;
  readonly server: HoldfastServer;
  readonly adminKey: string;
  /** `{ authorization: 'Bearer …' }` for a credential. */
  auth(key: string): { authorization: string };
  /** Makes a tenant key. */
  tenantKey(tenant: string): Promise<string>;
}

const opened: Array<{ hf: Holdfast; server: HoldfastServer }> = [];

afterAll(async () => {
  for (const { hf, server } of opened.splice(0)) {
    await server.close().catch(() => {});
    await hf.close().catch(() => {});
  }
});

/** Holdfast with the server pipelines and a server on `database`; workers started unless `workers: false`. */
export async function testServer(
  database: string,
  options: {
    workers?: boolean;
    server?: ServerOptions;
    holdfast?: Partial<Omit<HoldfastOptions, 'database'>>;
  } = {},
): Promise<TestServer> {
  const hf = createHoldfast({
    database,
    pipelines: serverPipelines,
    budgets: serverBudgets,
    worker: { poll: '50ms' },
    ...options.holdfast,
  });
  await hf.ready();
  if (options.workers !== false) await hf.start();
  const server = await createServer(hf, options.server);
  opened.push({ hf, server });
  const admin = await server.context.keys.ensureAdmin({});
  return {
    hf,
    server,
    adminKey: admin.key!,
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    tenantKey: async (tenant) => (await server.context.keys.create({ tenant })).key,
  };
}
