import { z } from 'zod';
import { type AnyRouteSpec, defineRoute } from '../http/route-spec.js';

/** `/openapi.json`, `/docs` and `/metrics`: documents about the server itself. */
export function docsRoutes(options: {
  document: () => Record<string, unknown>;
  page: () => string;
  metrics: () => Promise<{ contentType: string; body: string }>;
}): AnyRouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as OpenAPI 3.1 (generated from the server’s own schemas)',
      tags: ['docs'],
      access: 'public',
      responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => ({ status: 200, body: options.document() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/docs',
      operationId: 'docs',
      summary: 'The API reference, as a page',
      tags: ['docs'],
      access: 'public',
      responses: { 200: { description: 'HTML', schema: z.string(), contentType: 'text/html' } },
      handler: async () => ({ status: 200, body: options.page(), contentType: 'text/html; charset=utf-8' }),
    }),
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this process (admin key)',
      description:
        'Counters and histograms count what this process did (sum them across processes); gauges read from the database are deployment-wide (take their max). See the README for scraping several processes.',
      tags: ['admin'],
      access: 'admin',
      responses: {
        200: {
          description: 'Prometheus text format',
          schema: z.string(),
          contentType: 'text/plain; version=0.0.4',
        },
      },
      handler: async () => {
        const { contentType, body } = await options.metrics();
        return { status: 200, body, contentType };
      },
    }),
  ];
}
