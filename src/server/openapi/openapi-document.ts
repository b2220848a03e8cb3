import { z } from 'zod';
import type { AnyRouteSpec } from '../http/route-spec.js';
import { errorDescriptions, errorEnvelopeSchema } from '../schemas/common.js';

type Json = Record<string, unknown>;

/** Statuses every authenticated route can answer, besides its own. */
const commonErrors = [400, 401, 403, 503];

const accessText: Record<AnyRouteSpec['access'], string> = {
  public: 'No key needed.',
  admin: 'The admin key.',
  tenant: 'The admin key or a tenant key (a tenant key sees only its tenant).',
  job: 'The admin key, a tenant key (its own jobs), or a job token of this job.',
};

/**
 * The OpenAPI 3.1 document of the server, generated from the same route specs and zod schemas
 * that the server validates requests with — never written by hand. Schemas with an id
 * (`.meta({ id: 'Job' })`) become shared components.
 */
export function openApiDocument(routes: readonly AnyRouteSpec[], version: string): Json {
  const components: Json = {};
  const schema = (zod: z.ZodType, io: 'input' | 'output') => toSchema(zod, io, components);
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: Json[] = [
      ...objectParameters(route.params, 'path', components),
      ...objectParameters(route.query, 'query', components),
      ...(route.headers ?? []).map((h) => ({
        name: h.name,
        in: 'header',
        required: false,
        description: h.description,
        schema: schema(h.schema, 'input'),
      })),
      {
        name: 'Accept-Language',
        in: 'header',
        required: false,
        description: 'fr for French messages and recommendations in errors; English otherwise',
        schema: { type: 'string' },
      },
    ];
    const responses: Record<string, Json> = {};
    for (const [status, doc] of Object.entries(route.responses)) {
      responses[status] = {
        description: doc.description,
        ...(doc.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(doc.headers).map(([name, h]) => [
                  name,
                  {
                    description: h.description,
                    schema: h.schema ? schema(h.schema, 'output') : { type: 'string' },
                  },
                ]),
              ),
            }
          : {}),
        ...(doc.schema
          ? { content: { [doc.contentType ?? 'application/json']: { schema: schema(doc.schema, 'output') } } }
          : {}),
      };
    }
    const errors = new Set([...(route.access === 'public' ? [] : commonErrors), ...(route.errors ?? [])]);
    if (route.body || route.query || route.params) errors.add(400);
    if (route.body) {
      errors.add(413);
      errors.add(415);
    }
    for (const status of [...errors].sort()) {
      if (responses[status] === undefined) responses[status] = { $ref: `#/components/responses/E${status}` };
    }
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      description: [
        route.description,
        `**Who:** ${accessText[route.access]}`,
        route.websocket ? websocketText : undefined,
      ]
        .filter(Boolean)
        .join('\n\n'),
      tags: [...route.tags],
      parameters,
      responses,
      security:
        route.access === 'public'
          ? []
          : route.queryToken || route.websocket
            ? [{ bearer: [] }, { accessToken: [] }]
            : [{ bearer: [] }],
      'x-holdfast-access': route.access,
    };
    if (route.body) {
      operation.requestBody = {
        required: !route.bodyOptional,
        content: { 'application/json': { schema: schema(route.body, 'input') } },
      };
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation };
  }
  schema(errorEnvelopeSchema, 'output');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Holdfast',
      version,
      description:
        'Run AI pipelines against paid, rate-limited APIs: submit jobs, follow them live, retry them with a budget pre-check, read budgets and usage. Every error is `{ "error": { code, message, details, recommendations } }`, in French with `Accept-Language: fr`.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    tags: [
      { name: 'jobs', description: 'Submit, estimate, list, read, retry, cancel' },
      { name: 'events', description: 'Live event streams: Server-Sent Events and WebSocket' },
      { name: 'pipelines', description: 'What can be submitted' },
      { name: 'budgets', description: 'Quotas, usage, and the operator’s resets' },
      { name: 'health', description: 'Probes and the health report' },
      { name: 'admin', description: 'Keys, tenants, retention, metrics' },
      {
        name: 'session',
        description: 'The dashboard’s sign-in: a cookie session opened with a key or a one-time link',
      },
      { name: 'docs', description: 'This document and its reference page' },
    ],
    paths,
    components: {
      schemas: components,
      responses: Object.fromEntries(
        Object.entries(errorDescriptions).map(([status, description]) => [
          `E${status}`,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The admin key (printed at first start), a tenant key (`holdfast keys create --tenant …`), or a job token (POST /v1/jobs/{id}/token).',
        },
        accessToken: {
          type: 'apiKey',
          in: 'query',
          name: 'access_token',
          description: 'The same credential as a query parameter, for EventSource and WebSocket in browsers.',
        },
      },
    },
  };
}

const websocketText = [
  '**WebSocket protocol** (JSON text messages). Send `{"type":"subscribe","id":"a","jobId":"…","after":0}` to follow one job (replayed after `after`, then live, then `{"type":"end"}`),',
  'or `{"type":"subscribe","id":"b","types":["job:*"],"pipeline":"…"}` for everything you may see; `{"type":"unsubscribe","id":"a"}`; `{"type":"ping"}`.',
  'The server sends `{"type":"subscribed","id"}`, `{"type":"event","subscription","event"}`, `{"type":"error","id"?,"error"}` and `{"type":"closing"}` before it shuts down.',
].join(' ');

/** A zod schema as an OpenAPI 3.1 schema, its identified parts moved to components. */
function toSchema(zod: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const json = z.toJSONSchema(zod, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  for (const [id, def] of Object.entries(defs)) components[id] ??= rewriteRefs(def);
  return rewriteRefs(json);
}

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value as Json)) {
    out[key] =
      key === '$ref' && typeof v === 'string'
        ? v.replace('#/$defs/', '#/components/schemas/')
        : rewriteRefs(v);
  }
  return out as T;
}

/** The properties of an object schema as OpenAPI parameters. */
function objectParameters(zod: z.ZodType | undefined, where: 'path' | 'query', components: Json): Json[] {
  if (!zod) return [];
  const json = toSchema(zod, 'input', components);
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}
