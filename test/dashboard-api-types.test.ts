import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiTypesFile, apiTypesSource, serverOpenApi } from '../scripts/generate-api-types.js';

/** The dashboard's API types are generated from the server's own OpenAPI document: they cannot drift. */
describe('dashboard API types', () => {
  it('are what the server’s /openapi.json generates (run `npm run generate:api` when this fails)', async () => {
    const document = await serverOpenApi();
    const expected = await apiTypesSource(document);
    const committed = readFileSync(apiTypesFile, 'utf8');
    expect(committed === expected, 'web/src/api/schema.d.ts is stale: run `npm run generate:api`').toBe(true);
    // The routes the dashboard calls are all in it.
    for (const path of [
      '/v1/jobs',
      '/v1/jobs/counts',
      '/v1/jobs/{id}/spend',
      '/v1/session',
      '/v1/quotas',
      '/health',
    ]) {
      expect(committed).toContain(`"${path}": {`);
    }
  });
});
