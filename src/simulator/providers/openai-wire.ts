import type { OutputWish, ToolSpec } from '../model-output.js';
import { contentText, countTokens } from '../tokens.js';
import { BadRequest, goDuration, rateWindow, type SimContext, simId } from './provider.js';

/** The rate limits the simulated OpenAI account has, per minute. */
export const limits = { requests: 10_000, tokens: 2_000_000 };

/** Writes an OpenAI error body. */
export function error(
  ctx: SimContext,
  status: number,
  headers: Record<string, string | number>,
  body: object,
): void {
  ctx.writer.json(status, { error: body }, headers);
}

/** Request id and rate-limit headers of a successful answer, counting this request in the window. */
export function successHeaders(ctx: SimContext, tokens: number): Record<string, string | number> {
  const window = rateWindow(ctx, 'openai');
  window.requests += 1;
  window.tokens += tokens;
  const resetMs = Math.max(0, 60_000 - (ctx.now() - window.start));
  return {
    'x-request-id': simId('req_', ctx.seed, ctx.seq, 32),
    'openai-processing-ms': 12,
    'x-ratelimit-limit-requests': limits.requests,
    'x-ratelimit-limit-tokens': limits.tokens,
    'x-ratelimit-remaining-requests': Math.max(0, limits.requests - window.requests),
    'x-ratelimit-remaining-tokens': Math.max(0, limits.tokens - window.tokens),
    // A request slot frees up every 6 ms at 10,000 a minute.
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-reset-tokens': goDuration(resetMs),
  };
}

export function requireModel(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model === '')
    throw new BadRequest('you must provide a model parameter', 'model');
  return body.model;
}

/** Prompt tokens of a chat request: content plus a few tokens of framing per message. */
export function promptTokens(messages: ReadonlyArray<{ content?: unknown }>): number {
  return messages.reduce((sum, m) => sum + countTokens(contentOf(m)) + 4, 3);
}

/** The text a message or input item carries, tool calls and their results included. */
export function contentOf(item: { content?: unknown; arguments?: unknown; output?: unknown }): string {
  const text = contentText(item.content);
  const extra = [item.arguments, item.output].filter((v): v is string => typeof v === 'string');
  return extra.length === 0 ? text : [text, ...extra].filter((t) => t !== '').join(' ');
}

export function numberOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * What a chat or responses request asks for: a forced tool call (`tool_choice: 'required'` or a
 * named function), JSON (`json_object` / `json_schema`), or prose. With tools offered and
 * `tool_choice` left to `auto`, the simulated model answers in prose.
 */
export function outputWish(
  tools: readonly ToolSpec[],
  toolChoice: unknown,
  format: unknown,
  seed: number,
  prompt: string,
): OutputWish {
  if (tools.length > 0 && toolChoice !== undefined && toolChoice !== 'auto' && toolChoice !== 'none') {
    const named = namedTool(toolChoice);
    if (named !== undefined) {
      const tool = tools.find((t) => t.name === named);
      if (!tool)
        throw new BadRequest(
          `Invalid value for 'tool_choice': no function named '${named}' was specified in 'tools'.`,
          'tool_choice',
        );
      return { kind: 'tool', tool };
    }
    if (toolChoice === 'required') {
      // Which tool: stable for the same prompt, spread over the tools for different ones.
      let h = seed;
      for (let i = 0; i < prompt.length; i++) h = (Math.imul(h, 31) + prompt.charCodeAt(i)) >>> 0;
      return { kind: 'tool', tool: tools[h % tools.length]! };
    }
    throw new BadRequest(`Invalid value for 'tool_choice': ${JSON.stringify(toolChoice)}.`, 'tool_choice');
  }
  if (toolChoice === 'required' && tools.length === 0)
    throw new BadRequest(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  const type = (format as { type?: unknown } | undefined)?.type;
  if (type === 'json_object') return { kind: 'json' };
  if (type === 'json_schema') {
    // Chat nests the schema under json_schema; the Responses API's text.format carries it directly.
    const holder = (format as { json_schema?: { schema?: unknown }; schema?: unknown }).json_schema ?? format;
    const schema = (holder as { schema?: unknown }).schema;
    if (schema === undefined)
      throw new BadRequest(
        "Missing required parameter: 'response_format.json_schema.schema'.",
        'response_format',
      );
    return { kind: 'json', schema };
  }
  return { kind: 'prose' };
}

/** The function a tool_choice names, in the chat (`{ function: { name } }`) or responses (`{ name }`) shape. */
function namedTool(choice: unknown): string | undefined {
  if (choice === null || typeof choice !== 'object') return undefined;
  const c = choice as { type?: unknown; name?: unknown; function?: { name?: unknown } };
  if (typeof c.function?.name === 'string') return c.function.name;
  return typeof c.name === 'string' ? c.name : undefined;
}

/** Tools of a chat request (`{ type: 'function', function: { name, parameters } }`). */
export function chatTools(tools: unknown): ToolSpec[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t) => {
    const fn = (t as { function?: { name?: unknown; parameters?: unknown } } | null)?.function;
    return typeof fn?.name === 'string' ? [{ name: fn.name, parameters: fn.parameters }] : [];
  });
}

/** Tools of a responses request (`{ type: 'function', name, parameters }`). */
export function responsesTools(tools: unknown): ToolSpec[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t) => {
    const tool = t as { type?: unknown; name?: unknown; parameters?: unknown } | null;
    return tool?.type === 'function' && typeof tool.name === 'string'
      ? [{ name: tool.name, parameters: tool.parameters }]
      : [];
  });
}
