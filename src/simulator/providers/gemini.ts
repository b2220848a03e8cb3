import { deltas, embedding, embeddingDimensions } from '../generator.js';
import { jsonDeltas, type ModelOutput, modelOutput, type OutputWish } from '../model-output.js';
import { hash32 } from '../prng.js';
import { contentText, countTokens } from '../tokens.js';
import {
  BadRequest,
  type MatchedRoute,
  objectBody,
  type ProviderModule,
  type SimContext,
  simId,
  sseData,
} from './provider.js';

const actions =
  /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents|countTokens)$/;

/** Gemini (Generative Language API): generateContent, streaming, embeddings, countTokens. */
export const gemini: ProviderModule = {
  name: 'gemini',

  apiKey(header, url) {
    const key = header('x-goog-api-key');
    if (typeof key === 'string' && key.length > 0) return key;
    return url.searchParams.get('key') ?? undefined;
  },

  match(method, url) {
    if (method === 'GET') {
      // v1 is the default of @google/genai 3; v1beta that of older clients. Both are answered.
      const found = /^\/(v1beta|v1)\/models(?:\/([^/:]+))?$/.exec(url.pathname);
      if (!found) return undefined;
      const [, version, name] = found;
      return name === undefined
        ? { route: 'models', stream: false, handle: listModels }
        : {
            route: 'models',
            stream: false,
            handle: (ctx) => getModel(ctx, version!, decodeURIComponent(name)),
          };
    }
    // Only Gemini paths have a ':action'; skip the regex for everything else.
    if (method !== 'POST' || !url.pathname.includes(':')) return undefined;
    const found = actions.exec(url.pathname);
    if (!found) return undefined;
    const model = decodeURIComponent(found[2]!);
    const handlers: Record<string, MatchedRoute> = {
      generateContent: { route: 'generate', stream: false, handle: (ctx) => generate(ctx, model, false) },
      streamGenerateContent: { route: 'stream', stream: true, handle: (ctx) => generate(ctx, model, true) },
      embedContent: { route: 'embed', stream: false, handle: (ctx) => embed(ctx, model) },
      batchEmbedContents: { route: 'embed', stream: false, handle: (ctx) => batchEmbed(ctx, model) },
      countTokens: { route: 'count', stream: false, handle: (ctx) => count(ctx, model) },
    };
    return handlers[found[3]!];
  },

  refuse(ctx, fault) {
    const model = actions.exec(ctx.request.url.pathname)?.[2] ?? 'gemini-2.5-flash';
    const send = (code: number, status: string, message: string, details?: unknown[]) =>
      ctx.writer.json(code, { error: { code, message, status, ...(details ? { details } : {}) } });
    switch (fault.kind) {
      case 'no-key':
        return send(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        );
      case 'bad-request':
        return send(400, 'INVALID_ARGUMENT', fault.message);
      case 'rate-limit': {
        const waitMs = fault.retryAfterMs ?? 1200;
        return send(
          429,
          'RESOURCE_EXHAUSTED',
          quotaMessage(waitMs),
          quotaDetails(
            model,
            'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            'generate_content_free_tier_requests',
            waitMs,
          ),
        );
      }
      case 'quota':
      case 'daily-quota': {
        // The daily quota: the hint is hours away (until midnight Pacific time).
        const waitMs = msToPacificMidnight(ctx.now());
        return send(
          429,
          'RESOURCE_EXHAUSTED',
          quotaMessage(waitMs),
          quotaDetails(
            model,
            'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
            'generate_content_free_tier_requests',
            waitMs,
          ),
        );
      }
      case 'status': {
        const { status } = fault;
        if (status === 529 || status === 503)
          return send(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
        if (status === 401) {
          return send(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'API_KEY_INVALID',
              domain: 'googleapis.com',
              metadata: { service: 'generativelanguage.googleapis.com' },
            },
          ]);
        }
        const statusName: Record<number, string> = {
          400: 'INVALID_ARGUMENT',
          403: 'PERMISSION_DENIED',
          404: 'NOT_FOUND',
          408: 'DEADLINE_EXCEEDED',
          409: 'ABORTED',
          500: 'INTERNAL',
          502: 'UNAVAILABLE',
          504: 'DEADLINE_EXCEEDED',
        };
        const message =
          status === 404
            ? `models/${model} is not found for API version v1beta, or is not supported for generateContent.`
            : status >= 500
              ? 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'
              : 'Request contains an invalid argument.';
        return send(status, statusName[status] ?? 'UNKNOWN', message);
      }
      default: {
        const never: never = fault;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
  },
};

function quotaMessage(waitMs: number): string {
  return `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. Please retry in ${(waitMs / 1000).toFixed(9).replace(/0+$/, '').replace(/\.$/, '')}s.`;
}

function quotaDetails(model: string, quotaId: string, metric: string, waitMs: number): unknown[] {
  return [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: `generativelanguage.googleapis.com/${metric}`,
          quotaId,
          quotaDimensions: { location: 'global', model },
          quotaValue: quotaId.includes('PerDay') ? '250' : '10',
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
    // A protobuf Duration: whole or fractional seconds.
    {
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: `${Number((waitMs / 1000).toFixed(3))}s`,
    },
  ];
}

/** Midnight in Pacific time (UTC−8, ignoring daylight saving), when daily quotas reset. */
function msToPacificMidnight(now: number): number {
  const pacific = now - 8 * 3_600_000;
  const next = Math.ceil(pacific / 86_400_000) * 86_400_000;
  return Math.max(1000, next - pacific);
}

interface Content {
  role?: string;
  parts?: Array<{ text?: unknown }>;
}

function contentsOf(body: Record<string, unknown>): Content[] {
  const contents = body.contents;
  if (contents === undefined)
    throw new BadRequest('* GenerateContentRequest.contents: contents is not specified');
  if (typeof contents === 'string') return [{ role: 'user', parts: [{ text: contents }] }];
  return (Array.isArray(contents) ? contents : [contents]) as Content[];
}

function promptText(body: Record<string, unknown>): { text: string; tokens: number } {
  const contents = contentsOf(body);
  const system = body.systemInstruction ?? body.system_instruction;
  const texts = [...(system ? [contentText(system)] : []), ...contents.map((c) => contentText(c.parts ?? c))];
  return { text: texts.join('\n'), tokens: texts.reduce((sum, t) => sum + countTokens(t), 0) };
}

function usage(prompt: number, candidates: number, cached: number) {
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
  };
}

async function generate(ctx: SimContext, model: string, stream: boolean): Promise<void> {
  const body = objectBody(ctx.request.body);
  ctx.model(model);
  const prompt = promptText(body);
  const config = (body.generationConfig ?? body.generation_config ?? {}) as { maxOutputTokens?: unknown };
  const max = typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : undefined;
  const wish = geminiWish(body, prompt.text, ctx.seed);
  const result = modelOutput(ctx.seed, model, prompt.text, max, wish);
  // A request that names a cached content reuses it: its tokens count as cached (they are part of
  // promptTokenCount, as in the real API).
  const cached = typeof body.cachedContent === 'string' ? Math.floor(prompt.tokens / 2) : 0;
  const responseId = simId('', ctx.seed, ctx.seq, 22);
  const finishReason = result.truncated ? 'MAX_TOKENS' : 'STOP';
  if (!stream) {
    ctx.charge({ input: prompt.tokens, output: result.tokens, cached });
    ctx.writer.json(200, {
      candidates: [{ content: { parts: [finalPart(result)], role: 'model' }, finishReason, index: 0 }],
      usageMetadata: usage(prompt.tokens, result.tokens, cached),
      modelVersion: model,
      responseId,
    });
    return;
  }
  // A function call arrives whole in one chunk; text, JSON included, in pieces.
  const pieces =
    result.kind === 'tool'
      ? [result.arguments]
      : wish.kind === 'json'
        ? jsonDeltas(result.text)
        : deltas(result.text);
  let soFar = '';
  const events = pieces.map((text, i) => {
    soFar += text;
    const last = i === pieces.length - 1;
    const part = result.kind === 'tool' ? finalPart(result) : { text };
    return sseData({
      candidates: [
        { content: { parts: [part], role: 'model' }, ...(last ? { finishReason } : {}), index: 0 },
      ],
      usageMetadata: last
        ? usage(prompt.tokens, result.tokens, cached)
        : {
            promptTokenCount: prompt.tokens,
            totalTokenCount: prompt.tokens + countTokens(soFar),
            promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt.tokens }],
          },
      modelVersion: model,
      responseId,
    });
  });
  const sent = await ctx.writer.sse(
    200,
    {},
    events,
    sseData({
      error: {
        code: 503,
        message: 'The model is overloaded. Please try again later.',
        status: 'UNAVAILABLE',
      },
    }),
  );
  const text = pieces.slice(0, sent).join('');
  ctx.charge({
    input: prompt.tokens,
    output: sent === events.length ? result.tokens : text ? countTokens(text) : 0,
    cached,
  });
}

/**
 * What generateContent asks for: a function call when `toolConfig.functionCallingConfig.mode` is
 * ANY, JSON when `responseMimeType` is application/json (to `responseJsonSchema` or
 * `responseSchema` when given), prose otherwise.
 */
function geminiWish(body: Record<string, unknown>, prompt: string, seed: number): OutputWish {
  const calling = (
    body.toolConfig as { functionCallingConfig?: { mode?: unknown; allowedFunctionNames?: unknown } }
  )?.functionCallingConfig;
  if (calling?.mode === 'ANY') {
    const allowed = Array.isArray(calling.allowedFunctionNames)
      ? (calling.allowedFunctionNames as string[])
      : undefined;
    const declared = (Array.isArray(body.tools) ? body.tools : []).flatMap((t) => {
      const list = (t as { functionDeclarations?: unknown } | null)?.functionDeclarations;
      return Array.isArray(list)
        ? (list as Array<{ name?: unknown; parameters?: unknown; parametersJsonSchema?: unknown }>)
        : [];
    });
    const tools = declared
      .filter((d) => typeof d.name === 'string' && (allowed === undefined || allowed.includes(d.name)))
      .map((d) => ({ name: d.name as string, parameters: d.parametersJsonSchema ?? d.parameters }));
    if (tools.length === 0)
      throw new BadRequest(
        '* GenerateContentRequest.tools: function calling mode ANY needs at least one function declaration.',
      );
    return { kind: 'tool', tool: tools[hash32(prompt, seed) % tools.length]! };
  }
  const config = (body.generationConfig ?? {}) as {
    responseMimeType?: unknown;
    responseSchema?: unknown;
    responseJsonSchema?: unknown;
  };
  if (config.responseMimeType === 'application/json')
    return { kind: 'json', schema: config.responseJsonSchema ?? config.responseSchema };
  return { kind: 'prose' };
}

/** The candidate's part: its text, or the function call with its arguments as an object. */
function finalPart(result: ModelOutput): object {
  if (result.kind === 'text') return { text: result.text };
  let args: unknown = {};
  try {
    args = JSON.parse(result.arguments);
  } catch {
    // Cut off by maxOutputTokens: no arguments could be parsed.
  }
  return { functionCall: { name: result.name, args } };
}

function embedOne(
  ctx: SimContext,
  model: string,
  request: Record<string, unknown>,
): { values: number[]; tokens: number } {
  const text = contentText(request.content);
  if (text === '') throw new BadRequest('* EmbedContentRequest.content: contains an empty Part.');
  const config = request as { outputDimensionality?: unknown };
  const dimensions = embeddingDimensions(
    model,
    typeof config.outputDimensionality === 'number' ? config.outputDimensionality : undefined,
  );
  return { values: embedding(ctx.seed, text, dimensions), tokens: countTokens(text) };
}

function embed(ctx: SimContext, model: string): void {
  ctx.model(model);
  const result = embedOne(ctx, model, objectBody(ctx.request.body));
  ctx.charge({ input: result.tokens, output: 0 });
  ctx.writer.json(200, { embedding: { values: result.values } });
}

function batchEmbed(ctx: SimContext, model: string): void {
  ctx.model(model);
  const body = objectBody(ctx.request.body);
  if (!Array.isArray(body.requests))
    throw new BadRequest('* BatchEmbedContentsRequest.requests: requests is not specified');
  const results = (body.requests as Array<Record<string, unknown>>).map((r) => embedOne(ctx, model, r));
  ctx.charge({ input: results.reduce((sum, r) => sum + r.tokens, 0), output: 0 });
  ctx.writer.json(200, { embeddings: results.map((r) => ({ values: r.values })) });
}

function count(ctx: SimContext, model: string): void {
  ctx.model(model);
  const body = objectBody(ctx.request.body);
  const inner = (body.generateContentRequest ?? body) as Record<string, unknown>;
  const prompt = promptText(inner);
  ctx.writer.json(200, {
    totalTokens: prompt.tokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt.tokens }],
  });
}

const models = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-embedding-001'];

function modelObject(name: string) {
  const embedder = name.includes('embedding');
  return {
    name: `models/${name}`,
    version: '001',
    displayName: name,
    description: `Simulated ${name}`,
    inputTokenLimit: embedder ? 2048 : 1_048_576,
    outputTokenLimit: embedder ? 1 : 65_536,
    supportedGenerationMethods: embedder ? ['embedContent'] : ['generateContent', 'countTokens'],
  };
}

function listModels(ctx: SimContext): void {
  ctx.writer.json(200, { models: models.map(modelObject) });
}

function getModel(ctx: SimContext, version: string, name: string): void {
  const id = name.replace(/^models\//, '');
  if (!models.includes(id)) {
    ctx.writer.json(404, {
      error: {
        code: 404,
        message: `models/${id} is not found for API version ${version}, or is not supported for getModel.`,
        status: 'NOT_FOUND',
      },
    });
    return;
  }
  ctx.model(id);
  ctx.writer.json(200, modelObject(id));
}
