/**
 * Generates the dashboard's API types (web/src/api/schema.d.ts) from the server's own OpenAPI
 * document, the one `GET /openapi.json` serves. `npm run generate:api` writes the file;
 * test/dashboard-api-types.test.ts fails while the file differs from what this would write, so
 * the dashboard and the API cannot drift apart.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { createHoldfast } from '../src/holdfast/create-holdfast.js';
import { createServer } from '../src/server/create-server.js';

export const apiTypesFile = fileURLToPath(new URL('../web/src/api/schema.d.ts', import.meta.url));

/** The server's OpenAPI document, from a server on an in-memory database. */
export async function serverOpenApi(): Promise<Record<string, unknown>> {
  const hf = createHoldfast({ database: 'memory://', pipelines: [] });
  try {
    const server = await createServer(hf, { port: 0 });
    const document = server.openApi();
    await server.close();
    return document;
  } finally {
    await hf.close();
  }
}

/** The TypeScript source of the API's types. */
export async function apiTypesSource(document: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(document as unknown as OpenAPI3, { alphabetize: true });
  return `/**\n * Generated from the server's OpenAPI document by scripts/generate-api-types.ts: do not edit.\n * \`npm run generate:api\` rewrites it; a test fails while it is stale.\n */\n\n${astToString(ast)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const source = await apiTypesSource(await serverOpenApi());
  writeFileSync(apiTypesFile, source);
  process.stdout.write(`wrote ${apiTypesFile}\n`);
}
