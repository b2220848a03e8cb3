import Anthropic from '@anthropic-ai/sdk';
import { FunctionCallingConfigMode, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { zodFunction, zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Simulator, startSimulator } from '../src/simulator/index.js';

/**
 * The official SDKs are the ground truth of each wire format: if they parse the simulator's
 * answers and raise their own error types for its faults, the formats are faithful.
 */
let sim: Simulator;
let openai: OpenAI;
let anthropic: Anthropic;
let gemini: GoogleGenAI;

beforeAll(async () => {
  sim = await startSimulator({ seed: 42 });
  openai = new OpenAI({ apiKey: 'sk-conformance', baseURL: `${sim.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-conformance', baseURL: sim.url, maxRetries: 0 });
  gemini = new GoogleGenAI({ apiKey: 'gemini-conformance', httpOptions: { baseUrl: sim.url } });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** What the simulator charged for its last request. */
const lastCharge = () => sim.requests().log.at(-1)!.usage;

describe('OpenAI format', () => {
  it('chat completions parse, and usage equals what the simulator charged', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You analyse public tenders.' },
        { role: 'user', content: 'Summarise the requirements of tender VSGP-AO.' },
      ],
      max_tokens: 100,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({
      prompt_tokens: lastCharge().input,
      completion_tokens: lastCharge().output,
    });
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    // Deterministic: the same request gives the same answer.
    const again = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You analyse public tenders.' },
        { role: 'user', content: 'Summarise the requirements of tender VSGP-AO.' },
      ],
      max_tokens: 100,
    });
    expect(again.choices[0]!.message.content).toBe(res.choices[0]!.message.content);
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const res = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Go' }],
      max_tokens: 3,
    });
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(3);
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('streams chunks, with usage in a last chunk only when include_usage is set', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream me an answer' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let lastChoices = -1;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) {
        usage = chunk.usage;
        lastChoices = chunk.choices.length;
      }
    }
    expect(text.length).toBeGreaterThan(0);
    expect(lastChoices).toBe(0);
    expect(usage).toMatchObject({
      prompt_tokens: lastCharge().input,
      completion_tokens: lastCharge().output,
    });

    const plain = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream me an answer' }],
      stream: true,
    });
    let sawUsage = false;
    for await (const chunk of plain) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
    // Not reported to the client, but still charged.
    expect(lastCharge().output).toBeGreaterThan(0);
  });

  it('embeds (base64, as the SDK asks) deterministically from the text', async () => {
    const res = await openai.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['chunk one', 'chunk two', 'chunk one'],
    });
    expect(res.data).toHaveLength(3);
    expect(res.data[0]!.embedding).toHaveLength(1536);
    expect(res.data[2]!.embedding).toEqual(res.data[0]!.embedding);
    expect(res.data[1]!.embedding).not.toEqual(res.data[0]!.embedding);
    const norm = Math.sqrt(res.data[0]!.embedding.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 3);
    expect(res.usage).toEqual({ prompt_tokens: lastCharge().input, total_tokens: lastCharge().input });
    const small = await openai.embeddings.create({
      model: 'text-embedding-3-large',
      input: 'x',
      dimensions: 256,
      encoding_format: 'float',
    });
    expect(small.data[0]!.embedding).toHaveLength(256);
  });

  it('answers the Responses API, plain and streamed', async () => {
    const res = await openai.responses.create({
      model: 'gpt-4o-mini',
      input: 'Rank these products',
      instructions: 'Be brief',
    });
    expect(res.output_text.length).toBeGreaterThan(0);
    expect(res.usage).toMatchObject({ input_tokens: lastCharge().input, output_tokens: lastCharge().output });
    const stream = await openai.responses.create({
      model: 'gpt-4o-mini',
      input: 'Rank these products',
      instructions: 'Be brief',
      stream: true,
    });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    expect(text).toBe(res.output_text);
    expect(completed?.usage?.output_tokens).toBe(res.usage?.output_tokens);
  });

  it('streams the Responses API through the SDK helper to its final response', async () => {
    const plain = await openai.responses.create({ model: 'gpt-4o-mini', input: 'Rank these products' });
    const stream = openai.responses.stream({ model: 'gpt-4o-mini', input: 'Rank these products' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(plain.output_text);
    expect(deltas.join('')).toBe(plain.output_text);
    expect(final.usage?.output_tokens).toBe(lastCharge().output);
  });

  const priceTool = {
    type: 'function' as const,
    function: {
      name: 'get_price',
      description: 'Current price of a product',
      parameters: {
        type: 'object',
        properties: {
          asin: { type: 'string' },
          domain: { type: 'integer', minimum: 1, maximum: 12 },
          currency: { type: 'string', enum: ['EUR', 'USD'] },
        },
        required: ['asin', 'domain', 'currency'],
        additionalProperties: false,
      },
    },
  };

  it('calls a tool when tool_choice is "required" or names it, plain and streamed', async () => {
    const messages = [{ role: 'user' as const, content: 'What does B01 cost?' }];
    const res = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools: [priceTool],
      tool_choice: 'required',
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_price' } });
    expect(call.id).toMatch(/^call_/);
    const args = JSON.parse((call as { function: { arguments: string } }).function.arguments);
    expect(typeof args.asin).toBe('string');
    expect(Number.isInteger(args.domain) && args.domain >= 1 && args.domain <= 12).toBe(true);
    expect(['EUR', 'USD']).toContain(args.currency);
    expect(res.usage).toMatchObject({
      completion_tokens: lastCharge().output,
      prompt_tokens: lastCharge().input,
    });

    // Without a tool choice the model may answer in prose; naming the tool forces it.
    const named = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      tools: [priceTool, { ...priceTool, function: { ...priceTool.function, name: 'get_stock' } }],
      tool_choice: { type: 'function', function: { name: 'get_stock' } },
    });
    expect(named.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'get_stock' } });

    const runner = openai.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages,
      tools: [
        zodFunction({ name: 'get_price', parameters: z.object({ asin: z.string(), max: z.number() }) }),
      ],
      tool_choice: 'required',
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]!;
    expect(streamed.finish_reason).toBe('tool_calls');
    const parsed = streamed.message.tool_calls![0] as { function: { parsed_arguments: unknown } };
    expect(parsed.function.parsed_arguments).toMatchObject({
      asin: expect.any(String),
      max: expect.any(Number),
    });

    // The Responses API answers a forced tool with a function_call item, streamed or not.
    const fnTool = {
      type: 'function' as const,
      name: 'get_price',
      parameters: priceTool.function.parameters,
      strict: true,
    };
    const plainCall = await openai.responses.create({
      model: 'gpt-4o-mini',
      input: 'What does B01 cost?',
      tools: [fnTool],
      tool_choice: 'required',
    });
    expect(plainCall.output[0]).toMatchObject({
      type: 'function_call',
      name: 'get_price',
      call_id: expect.stringMatching(/^call_/),
    });
    const streamedCall = await openai.responses
      .stream({
        model: 'gpt-4o-mini',
        input: 'What does B01 cost?',
        tools: [fnTool],
        tool_choice: 'required',
      })
      .finalResponse();
    expect(streamedCall.output[0]).toMatchObject({
      type: 'function_call',
      arguments: (plainCall.output[0] as { arguments: string }).arguments,
    });
  });

  it('answers JSON for response_format json_object and json_schema, plain and streamed', async () => {
    const loose = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Describe tender 42 as JSON' }],
      response_format: { type: 'json_object' },
    });
    const object = JSON.parse(loose.choices[0]!.message.content!);
    expect(typeof object).toBe('object');
    expect(Object.keys(object).length).toBeGreaterThan(0);
    expect(loose.usage!.completion_tokens).toBe(lastCharge().output);

    const Tender = z.object({
      title: z.string().min(3),
      lots: z
        .array(z.object({ name: z.string(), value: z.number().min(0).max(1_000_000), risky: z.boolean() }))
        .min(1),
      deadline: z.string().datetime(),
      contact: z.string().email(),
      status: z.enum(['open', 'closed']),
      note: z.string().nullable(),
    });
    const parsed = await openai.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Extract the tender' }],
      response_format: zodResponseFormat(Tender, 'tender'),
    });
    const tender = parsed.choices[0]!.message.parsed;
    expect(Tender.parse(tender)).toEqual(tender);
    expect(parsed.choices[0]!.finish_reason).toBe('stop');

    const stream = openai.chat.completions.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Extract the tender' }],
      response_format: zodResponseFormat(Tender, 'tender'),
    });
    const streamed = await stream.finalChatCompletion();
    expect(streamed.choices[0]!.message.parsed).toEqual(tender);

    const responses = await openai.responses.parse({
      model: 'gpt-4o-mini',
      input: 'Extract the tender',
      text: { format: zodTextFormat(Tender, 'tender') },
    });
    expect(Tender.parse(responses.output_parsed)).toEqual(responses.output_parsed);
  });

  it('lists models', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });

  it("surfaces each fault as OpenAI's own error", async () => {
    sim.faults.add('openai:429=1.5s:next1');
    const limited = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'tokens' });
    const headers = (limited as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(headers.get('retry-after-ms')).toBe('1500');
    expect(headers.get('retry-after')).toBe('2');
    expect(headers.get('x-ratelimit-reset-tokens')).toBe('1.5s');
    expect((limited as Error).message).toContain('Please try again in 1.5s');

    sim.faults.add('openai:quota:next1');
    await expect(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 429,
      code: 'insufficient_quota',
      type: 'insufficient_quota',
    });
    sim.faults.add('openai:daily-quota:next1');
    await expect(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 429,
      code: 'credit_balance_exhausted',
    });
    sim.faults.add('openai:500:next1');
    await expect(
      openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.faults.add('openai:401:next1');
    await expect(openai.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    sim.faults.add('openai:reset:next1');
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);

    sim.faults.add('openai:stream-error:next1');
    const broken = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const consume = async () => {
      for await (const _ of broken) {
        // drain
      }
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
    // Every attempt was seen, and nothing else.
    expect(sim.attempts('openai')).toBe(7);
  });
});

describe('Anthropic format', () => {
  it('messages parse, and usage equals what the simulator charged', async () => {
    const res = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      system: 'You score suppliers.',
      messages: [{ role: 'user', content: 'Score supplier Acme.' }],
    });
    expect(res.type).toBe('message');
    expect(res.content[0]).toMatchObject({ type: 'text' });
    expect(res.usage.input_tokens).toBe(lastCharge().input);
    expect(res.usage.output_tokens).toBe(lastCharge().output);
  });

  it('streams message_start … message_stop with cumulative usage, matching the charge', async () => {
    const seen: string[] = [];
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Stream please' }],
    });
    stream.on('streamEvent', (event) => seen.push(event.type));
    const final = await stream.finalMessage();
    expect(seen[0]).toBe('message_start');
    expect(seen.at(-1)).toBe('message_stop');
    expect(seen).toContain('message_delta');
    expect(final.usage.output_tokens).toBe(lastCharge().output);
    expect(final.usage.input_tokens).toBe(lastCharge().input);
  });

  it('uses a tool when tool_choice is any or names it, plain and streamed', async () => {
    const tools = [
      {
        name: 'score_supplier',
        description: 'Scores a supplier',
        input_schema: {
          type: 'object' as const,
          properties: { supplier: { type: 'string' }, score: { type: 'integer', minimum: 0, maximum: 10 } },
          required: ['supplier', 'score'],
        },
      },
    ];
    const res = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      tools,
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Score supplier Acme.' }],
    });
    expect(res.stop_reason).toBe('tool_use');
    const block = res.content[0] as {
      type: string;
      name: string;
      input: { supplier: string; score: number };
    };
    expect(block).toMatchObject({ type: 'tool_use', name: 'score_supplier' });
    expect(typeof block.input.supplier).toBe('string');
    expect(block.input.score).toBeGreaterThanOrEqual(0);
    expect(res.usage.output_tokens).toBe(lastCharge().output);
    const final = await anthropic.messages
      .stream({
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        tools,
        tool_choice: { type: 'tool', name: 'score_supplier' },
        messages: [{ role: 'user', content: 'Score supplier Acme.' }],
      })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content[0]).toMatchObject({ type: 'tool_use', input: block.input });
  });

  it('reports prompt caching the way Anthropic does: input_tokens excludes cache reads and writes', async () => {
    const big = 'Clause '.repeat(400);
    const ask = () =>
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        system: [{ type: 'text', text: big, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Question' }],
      });
    const first = await ask();
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    const second = await ask();
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    expect(lastCharge().cached).toBe(second.usage.cache_read_input_tokens);
  });

  it("surfaces each fault as Anthropic's own error", async () => {
    sim.faults.add('anthropic:429=3s:next1');
    const limited = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    const headers = (limited as InstanceType<typeof Anthropic.RateLimitError>).headers;
    expect(headers.get('retry-after')).toBe('3');
    expect(headers.get('anthropic-ratelimit-tokens-remaining')).toBe('0');
    expect((limited as { type: string }).type).toBe('rate_limit_error');

    sim.faults.add('anthropic:quota:next1');
    const spend = await anthropic.messages
      .create({ model: 'claude-haiku-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(spend).toBeInstanceOf(Anthropic.RateLimitError);
    expect(
      (spend as { error: { error: { details: { error_code: string } } } }).error.error.details.error_code,
    ).toBe('enforced_spend_limit_reached');
    expect((spend as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBeNull();

    sim.faults.add('anthropic:529:next1');
    await expect(
      anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 5,
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).rejects.toMatchObject({
      status: 529,
      type: 'overloaded_error',
    });

    sim.faults.add('anthropic:stream-error:next1');
    const stream = anthropic.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'x' }],
    });
    await expect(stream.finalMessage()).rejects.toMatchObject({ type: 'overloaded_error' });
    expect(sim.attempts('anthropic', 'messages')).toBe(4);
  });
});

describe('Gemini format', () => {
  it('generateContent parses, with usageMetadata equal to the charge', async () => {
    const res = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Reply to this WhatsApp message',
    });
    expect(res.text!.length).toBeGreaterThan(0);
    expect(res.usageMetadata).toMatchObject({
      promptTokenCount: lastCharge().input,
      candidatesTokenCount: lastCharge().output,
    });
  });

  it('streams over SSE; the last chunk carries the final usage', async () => {
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Reply to this WhatsApp message',
    });
    let text = '';
    let usage: { candidatesTokenCount?: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      usage = chunk.usageMetadata;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.candidatesTokenCount).toBe(lastCharge().output);
  });

  it('answers @google/genai 3 on its default API version (v1): list and get models, generate', async () => {
    const names: string[] = [];
    for await (const model of await gemini.models.list()) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    const model = await gemini.models.get({ model: 'gemini-2.5-flash' });
    expect(model).toMatchObject({ name: 'models/gemini-2.5-flash', inputTokenLimit: expect.any(Number) });
    await expect(gemini.models.get({ model: 'gemini-0-nope' })).rejects.toMatchObject({ status: 404 });
    await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' });
    const paths = sim.requests().log.map((r) => `${r.provider} ${r.method} ${r.path}`);
    expect(paths).toEqual([
      'gemini GET /v1/models',
      'gemini GET /v1/models/gemini-2.5-flash',
      'gemini GET /v1/models/gemini-0-nope',
      'gemini POST /v1/models/gemini-2.5-flash:generateContent',
    ]);
    // The beta version still answers, for clients pinned to it.
    const beta = new GoogleGenAI({
      apiKey: 'gemini-conformance',
      httpOptions: { baseUrl: sim.url, apiVersion: 'v1beta' },
    });
    expect((await beta.models.get({ model: 'gemini-2.5-pro' })).name).toBe('models/gemini-2.5-pro');
  });

  it('answers JSON to a response schema and calls a function in mode ANY, plain and streamed', async () => {
    const schema = {
      type: 'object',
      properties: {
        intent: { type: 'string', enum: ['order', 'question'] },
        items: { type: 'array', items: { type: 'string' } },
      },
      required: ['intent', 'items'],
    };
    const json = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'I want two pizzas',
      config: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
    const parsed = JSON.parse(json.text!);
    expect(['order', 'question']).toContain(parsed.intent);
    expect(Array.isArray(parsed.items)).toBe(true);
    expect(json.usageMetadata!.candidatesTokenCount).toBe(lastCharge().output);
    let streamed = '';
    for await (const chunk of await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'I want two pizzas',
      config: { responseMimeType: 'application/json', responseJsonSchema: schema },
    }))
      streamed += chunk.text ?? '';
    expect(JSON.parse(streamed)).toEqual(parsed);

    const call = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Book a table',
      config: {
        tools: [
          {
            functionDeclarations: [
              {
                name: 'book',
                parametersJsonSchema: {
                  type: 'object',
                  properties: { people: { type: 'integer', minimum: 1, maximum: 8 } },
                  required: ['people'],
                },
              },
            ],
          },
        ],
        toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } },
      },
    });
    expect(call.functionCalls![0]).toMatchObject({ name: 'book', args: { people: expect.any(Number) } });
  });

  it('embeds and counts tokens consistently', async () => {
    const res = await gemini.models.embedContent({
      model: 'gemini-embedding-001',
      contents: ['invoice line', 'invoice line'],
    });
    expect(res.embeddings).toHaveLength(2);
    expect(res.embeddings![0]!.values).toEqual(res.embeddings![1]!.values);
    const count = await gemini.models.countTokens({
      model: 'gemini-2.5-flash',
      contents: 'Reply to this WhatsApp message',
    });
    const generated = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'Reply to this WhatsApp message',
    });
    expect(count.totalTokens).toBe(generated.usageMetadata!.promptTokenCount);
  });

  it("surfaces each fault as Gemini's own error, with RetryInfo and QuotaFailure in the body", async () => {
    sim.faults.add('gemini:429=53.016s:next1');
    const limited = await gemini.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'x' })
      .catch((e: unknown) => e);
    expect((limited as { status: number }).status).toBe(429);
    const body = JSON.parse((limited as Error).message) as {
      error: { status: string; details: Array<Record<string, unknown>> };
    };
    expect(body.error.status).toBe('RESOURCE_EXHAUSTED');
    expect(body.error.details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.RetryInfo')).toEqual(
      {
        '@type': 'type.googleapis.com/google.rpc.RetryInfo',
        retryDelay: '53.016s',
      },
    );
    const perMinute = body.error.details.find(
      (d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure',
    ) as {
      violations: Array<{ quotaId: string }>;
    };
    expect(perMinute.violations[0]!.quotaId).toContain('PerMinute');

    sim.faults.add('gemini:daily-quota:next1');
    const daily = await gemini.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'x' })
      .catch((e: unknown) => e);
    expect(JSON.parse((daily as Error).message).error.details[0].violations[0].quotaId).toContain('PerDay');

    sim.faults.add('gemini:overloaded:next1');
    await expect(
      gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }),
    ).rejects.toMatchObject({ status: 503 });

    sim.faults.add('gemini:stream-error:next1');
    const stream = await gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' });
    const consume = async () => {
      for await (const _ of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/overloaded/);
    expect(sim.attempts('gemini')).toBe(4);
  });
});

describe('Keepa-like format', () => {
  it('charges tokens per ASIN from a refilling bucket and answers 429 when empty', async () => {
    let clock = Date.UTC(2026, 10, 22);
    const keepa = await startSimulator({
      now: () => clock,
      keepa: { capacity: 5, refillAmount: 5, refillEveryMs: 60_000 },
    });
    try {
      const get = async (asins: string) => {
        const res = await fetch(`${keepa.url}/product?key=k1&domain=1&asin=${asins}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const first = await get('B01,B02,B03');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ tokensLeft: 2, tokensConsumed: 3, refillRate: 5, refillIn: 60_000 });
      expect((first.body.products as unknown[]).length).toBe(3);
      const refused = await get('B04,B05,B06');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ tokensLeft: 2, tokensConsumed: 0 });
      clock += 60_000;
      const refilled = await get('B04,B05,B06');
      expect(refilled.status).toBe(200);
      expect(refilled.body).toMatchObject({ tokensLeft: 2, tokensConsumed: 3 });
      expect(keepa.requests().ledger.keepa).toMatchObject({ requests: 2, input: 6 });
    } finally {
      await keepa.close();
    }
  });
});
