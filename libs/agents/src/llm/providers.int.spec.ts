import { AgentError, BudgetExceededError, ProviderError, SchemaInvalidError } from '../errors';
import { FixtureServer } from '../testing/fixture-server';
import { AnthropicProvider } from './anthropic-provider';
import { LlmClient, LlmProgress } from './llm-client';
import { OpenAiCompatibleProvider, StructuredMode } from './openai-compatible-provider';
import { priceFor } from './pricing';
import { PromptLibrary } from './prompts';

/**
 * The official SDKs against a local server that answers in each provider's documented wire format
 * from recorded fixtures (libs/agents/fixtures/providers). Nothing is mocked: the SDK builds the
 * request, sends it over HTTP, parses JSON or SSE and raises its own errors.
 */

const PLENTY = { tokens: 1_000_000, usd: 100, toolMinutes: 10, wallclockMinutes: 10 };
const PERSONAS = {
  name: 'personas',
  description: 'The personas of the product',
  schema: {
    type: 'object',
    required: ['personas'],
    properties: { personas: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'goal'], properties: { name: { type: 'string' }, goal: { type: 'string' } } } } },
  },
};
const prompts = new PromptLibrary([
  PromptLibrary.parse('TestAgent.v3.md', '---\nagent: TestAgent\nversion: 3\ndescription: a test agent\n---\nYou are TestAgent. Use only the facts given.\n\nTask: {{task}}\n'),
]);

let server: FixtureServer;
beforeAll(async () => {
  server = await FixtureServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  expect(server.pending()).toEqual([]);
  server.reset();
});

const anthropic = (opts: { stream?: boolean; model?: string; timeoutMs?: number } = {}) =>
  new AnthropicProvider({ apiKey: 'sk-ant-test', model: opts.model ?? 'claude-sonnet-4-6', pricing: priceFor('anthropic', opts.model ?? 'claude-sonnet-4-6', {}), baseURL: server.url, stream: opts.stream, timeoutMs: opts.timeoutMs });
const openai = (opts: { stream?: boolean; model?: string; structured?: StructuredMode; timeoutMs?: number } = {}) =>
  new OpenAiCompatibleProvider({ baseURL: `${server.url}/v1`, model: opts.model ?? 'llama3.1', pricing: priceFor('openai-compatible', opts.model ?? 'llama3.1', {}), stream: opts.stream, structured: opts.structured, timeoutMs: opts.timeoutMs });

async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AgentError);
    return err as AgentError;
  }
  throw new Error('expected the call to fail');
}

describe('Anthropic Messages API through @anthropic-ai/sdk', () => {
  it('streams text: progress while tokens arrive, usage and cost from the response, prompt and journal fields recorded', async () => {
    server.enqueue({ fixture: 'anthropic/stream.text.sse', eventDelayMs: 5 });
    const progress: LlmProgress[] = [];
    const llm = new LlmClient(anthropic(), PLENTY, { agent: 'TestAgent', prompts, onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    const r = await llm.call({ system: 'Summarise the problem in two sentences.', prompt: 'A telehealth platform for clinics', maxTokens: 200 });

    expect(r.text).toBe('Clinics lose time scheduling video visits by phone and sharing prescriptions by fax. One platform books visits and sends prescriptions.');
    expect(progress.map((p) => p.outputChars)).toEqual([17, 50, 84, 135]);
    expect(r).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-6', responseModel: 'claude-sonnet-4-6', promptId: 'TestAgent', promptVersion: 3, stopReason: 'end_turn', streamed: true, replayed: false, callIndex: 0 });
    expect(r.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.promptSha256).toMatch(/^[0-9a-f]{64}$/);
    // $3 in, $15 out, $0.30 cache read per MTok: (412*3 + 31*15 + 128*0.3) / 1e6, rounded up to a micro-dollar
    expect(r.usage).toEqual({ inputTokens: 412, outputTokens: 31, cacheReadTokens: 128, cacheWriteTokens: 0, tokens: 571, usd: 0.00174, reported: true });
    expect(llm.usage()).toMatchObject({ tokens: 571, usd: 0.00174 });

    const [req] = server.requests;
    expect(req.path).toBe('/v1/messages');
    // SDK 1.x sends the key as a bearer token (0.x used x-api-key); either way it is the configured key.
    expect(String(req.headers.authorization ?? req.headers['x-api-key'])).toMatch(/sk-ant-test$/);
    expect(req.headers['anthropic-version']).toBeDefined();
    expect(req.body).toMatchObject({ model: 'claude-sonnet-4-6', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'A telehealth platform for clinics' }] });
    expect(req.body.system).toBe('You are TestAgent. Use only the facts given.\n\nTask: Summarise the problem in two sentences.');
  });

  it('reads a non-streamed Message the same way', async () => {
    server.enqueue('anthropic/message.text.json');
    const llm = new LlmClient(anthropic({ stream: false }), PLENTY);
    const r = await llm.call({ prompt: 'A telehealth platform for clinics', maxTokens: 200 });
    expect(r.text).toMatch(/^Clinics lose time scheduling video visits by phone/);
    expect(r.usage).toMatchObject({ inputTokens: 412, outputTokens: 38, usd: (412 * 3 + 38 * 15) / 1e6 });
    expect(server.requests[0].body.stream).toBe(false);
  });

  it('asks for structured output as a forced tool call and validates the streamed tool input', async () => {
    server.enqueue('anthropic/stream.tool-use.sse');
    const llm = new LlmClient(anthropic(), PLENTY);
    const out = await llm.completeJson<{ personas: { name: string }[] }>({ system: 'List the personas.', prompt: 'A telehealth platform', maxTokens: 300, schema: PERSONAS });
    expect(out.personas.map((p) => p.name)).toEqual(['clinic administrator', 'patient']);
    const body = server.requests[0].body;
    expect(body.tools).toEqual([{ name: 'personas', description: 'The personas of the product', input_schema: PERSONAS.schema }]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'personas' });
  });

  it('reads a non-streamed tool_use block', async () => {
    server.enqueue('anthropic/message.tool-use.json');
    const llm = new LlmClient(anthropic({ stream: false }), PLENTY);
    expect(await llm.completeJson({ prompt: 'A telehealth platform', maxTokens: 300, schema: PERSONAS })).toEqual({ personas: [{ name: 'doctor', goal: 'review prescriptions between visits' }] });
  });

  it('fails schema_invalid when the tool input does not fit the schema, and still charges what the answer cost', async () => {
    server.enqueue('anthropic/stream.tool-use-wrong-shape.sse');
    const llm = new LlmClient(anthropic(), PLENTY);
    const e = await failure(llm.completeJson({ prompt: 'A telehealth platform', maxTokens: 300, schema: PERSONAS }));
    expect(e).toBeInstanceOf(SchemaInvalidError);
    expect(e.errorClass).toBe('schema_invalid');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/\/personas must be array/);
    expect(llm.usage().tokens).toBe(655 + 19);
    expect(llm.calls()[0].error?.errorClass).toBe('schema_invalid');
  });

  it.each([
    ['anthropic/error.rate-limit.json', 429, 'rate_limit', true, 7000],
    ['anthropic/error.spend-limit.json', 429, 'rate_limit', false, undefined],
    ['anthropic/error.overloaded.json', 529, 'transient', true, undefined],
    ['anthropic/error.api.json', 500, 'transient', true, undefined],
    ['anthropic/error.authentication.json', 401, 'auth', false, undefined],
    ['anthropic/error.permission.json', 403, 'auth', false, undefined],
    ['anthropic/error.prompt-too-long.json', 400, 'context_overflow', false, undefined],
    ['anthropic/error.not-found.json', 404, 'fatal', false, undefined],
  ])('classifies %s (HTTP %i) as %s', async (fixture, status, errorClass, retryable, retryAfter) => {
    server.enqueue(fixture);
    const llm = new LlmClient(anthropic(), PLENTY);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toBeInstanceOf(ProviderError);
    expect({ errorClass: e.errorClass, retryable: e.retryable, status: (e as ProviderError).status, retryAfterMs: (e as ProviderError).retryAfterMs }).toEqual({ errorClass, retryable, status, retryAfterMs: retryAfter });
    expect((e as ProviderError).requestId).toMatch(/^req_/);
    // The SDK does not retry on its own (maxRetries 0): the supervisor owns retries.
    expect(server.requests).toHaveLength(1);
    // A refused request cost nothing.
    expect(llm.usage().tokens).toBe(0);
    expect(llm.remaining().tokens).toBe(PLENTY.tokens);
  });

  it('classifies an overloaded error sent inside the stream as transient', async () => {
    server.enqueue('anthropic/stream.overloaded-midstream.sse');
    const llm = new LlmClient(anthropic(), PLENTY);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toMatchObject({ errorClass: 'transient', retryable: true, providerCode: 'overloaded_error' });
  });

  it('classifies a stop at the context window as context_overflow and charges the tokens used', async () => {
    server.enqueue('anthropic/stream.context-window.sse');
    const llm = new LlmClient(anthropic(), PLENTY);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 1000 }));
    expect(e).toMatchObject({ errorClass: 'context_overflow', retryable: false });
    expect(llm.usage().tokens).toBe(199_000 + 1000);
  });

  it('times out a call whose response does not come in time', async () => {
    server.enqueue({ fixture: 'anthropic/message.text.json', delayMs: 1500 });
    const llm = new LlmClient(anthropic({ stream: false }), PLENTY, { timeoutMs: 150 });
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toMatchObject({ errorClass: 'timeout', retryable: true });
  });

  it('times out a stream that stalls after its first events (the SDK timeout stops at the headers)', async () => {
    server.enqueue({ fixture: 'anthropic/stream.text.sse', stallAfterEvents: 4 });
    const llm = new LlmClient(anthropic(), PLENTY, { timeoutMs: 300 });
    const started = Date.now();
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e.errorClass).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
    // Output had started, so the call may have been billed: it is charged at the estimate, not as free.
    expect(llm.usage().tokens).toBeGreaterThan(0);
  });

  it('cancels a call in flight when the task is cancelled', async () => {
    server.enqueue({ fixture: 'anthropic/message.text.json', delayMs: 1500 });
    const ctl = new AbortController();
    const llm = new LlmClient(anthropic({ stream: false }), PLENTY, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 100);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toMatchObject({ errorClass: 'cancelled', retryable: false });
  });

  it('refuses, before any request, a call whose priced estimate does not fit the USD budget', async () => {
    // claude-sonnet-4-6 output is $15/MTok: 1000 tokens may cost $0.015, more than the $0.01 left.
    const llm = new LlmClient(anthropic(), { ...PLENTY, usd: 0.01 });
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 1000 }));
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect((e as BudgetExceededError).dimension).toBe('usd');
    expect(server.requests).toHaveLength(0);
    const zero = new LlmClient(anthropic(), { ...PLENTY, usd: 0 });
    expect((await failure(zero.complete({ prompt: 'x', maxTokens: 1 }))).errorClass).toBe('budget');
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAI-compatible chat completions through the openai SDK', () => {
  it('streams text with include_usage and surfaces progress (Ollama-style chunks)', async () => {
    server.enqueue({ fixture: 'openai/chat.stream.sse', eventDelayMs: 5 });
    const progress: number[] = [];
    const llm = new LlmClient(openai(), PLENTY, { agent: 'TestAgent', prompts, onProgress: (p) => progress.push(p.outputChars), progressIntervalMs: 0 });
    const r = await llm.call({ system: 'Summarise.', prompt: 'Tool sharing between neighbours', maxTokens: 100 });
    expect(r.text).toBe('Neighbours rent tools to each other and arrange pickups by chat.');
    expect(progress).toEqual([15, 35, 64]);
    // A model the price table does not list on an openai-compatible server is self-hosted: $0.
    expect(r.usage).toEqual({ inputTokens: 300, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0, tokens: 312, usd: 0, reported: true });
    expect(r).toMatchObject({ provider: 'openai-compatible', model: 'llama3.1', responseModel: 'llama3.1:8b', stopReason: 'stop', promptId: 'TestAgent', promptVersion: 3 });
    const [req] = server.requests;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body).toMatchObject({ model: 'llama3.1', max_tokens: 100, stream: true, stream_options: { include_usage: true } });
    expect(req.body.messages).toEqual([
      { role: 'system', content: 'You are TestAgent. Use only the facts given.\n\nTask: Summarise.' },
      { role: 'user', content: 'Tool sharing between neighbours' },
    ]);
    expect(req.body.response_format).toBeUndefined();
  });

  it('prices a listed model from the table, cached prompt tokens apart (non-streamed completion)', async () => {
    server.enqueue('openai/chat.completion.json');
    const llm = new LlmClient(openai({ stream: false, model: 'gpt-4o-mini' }), PLENTY);
    const r = await llm.call({ prompt: 'Tool sharing', maxTokens: 100 });
    expect(r.text).toBe('Neighbours rent tools to each other and arrange pickups by chat.');
    // gpt-4o-mini: $0.15 in, $0.60 out, $0.075 cached, per MTok: (200*0.15 + 14*0.6 + 100*0.075) / 1e6 = 0.0000459 -> 0.000046
    expect(r.usage).toMatchObject({ inputTokens: 200, cacheReadTokens: 100, outputTokens: 14, tokens: 314, usd: 0.000046 });
  });

  it('asks for json_schema structured output and validates it (vLLM-style stream ending with choices: null)', async () => {
    server.enqueue('openai/chat.stream.json-schema.sse');
    const llm = new LlmClient(openai({ model: 'Qwen/Qwen2.5-7B-Instruct' }), PLENTY);
    const out = await llm.completeJson({ prompt: 'Tool sharing', maxTokens: 200, schema: PERSONAS });
    expect(out).toEqual({ personas: [{ name: 'tool owner', goal: 'earn from idle tools' }] });
    expect(server.requests[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'personas', description: 'The personas of the product', schema: PERSONAS.schema, strict: false } });
    expect(llm.calls()[0].usage).toMatchObject({ inputTokens: 520, outputTokens: 21, reported: true });
  });

  it('in json_object mode puts the schema in the system prompt', async () => {
    server.enqueue('openai/chat.stream.json-schema.sse');
    const llm = new LlmClient(openai({ structured: 'json_object' }), PLENTY);
    await llm.completeJson({ system: 'List the personas.', prompt: 'Tool sharing', maxTokens: 200, schema: PERSONAS });
    const body = server.requests[0].body;
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages[0].content).toContain('List the personas.');
    expect(body.messages[0].content).toContain(JSON.stringify(PERSONAS.schema));
  });

  it('fails schema_invalid when the JSON does not fit', async () => {
    server.enqueue('openai/chat.stream.sse');
    const llm = new LlmClient(openai(), PLENTY);
    const e = await failure(llm.completeJson({ prompt: 'x', maxTokens: 100, schema: PERSONAS }));
    expect(e).toBeInstanceOf(SchemaInvalidError);
    expect(e.message).toMatch(/not JSON/);
    expect(llm.usage().tokens).toBe(312);
  });

  it('charges an estimate when the server sends no usage (llama.cpp-style stream)', async () => {
    server.enqueue('openai/chat.stream.no-usage.sse');
    const llm = new LlmClient(openai(), PLENTY);
    const r = await llm.call({ system: 'Summarise.', prompt: 'Tool sharing between neighbours', maxTokens: 100 });
    expect(r.text).toBe('Neighbours rent tools to each other.');
    expect(r.usage.reported).toBe(false);
    expect(r.usage.inputTokens).toBe(Math.ceil(('Summarise.' + 'Tool sharing between neighbours').length / 4));
    expect(r.usage.outputTokens).toBe(Math.ceil(r.text.length / 4));
  });

  it.each([
    ['openai/error.rate-limit.json', 429, 'rate_limit', true, 1500],
    ['openai/error.insufficient-quota.json', 429, 'rate_limit', false, undefined],
    ['openai/error.invalid-api-key.json', 401, 'auth', false, undefined],
    ['openai/error.forbidden.json', 403, 'auth', false, undefined],
    ['openai/error.context-length.json', 400, 'context_overflow', false, undefined],
    ['openai/error.vllm-context-length.json', 400, 'context_overflow', false, undefined],
    ['openai/error.llamacpp-context-size.json', 400, 'context_overflow', false, undefined],
    ['openai/error.ollama-model-not-found.json', 404, 'fatal', false, undefined],
    ['openai/error.server.json', 503, 'transient', true, undefined],
  ])('classifies %s (HTTP %i) as %s', async (fixture, status, errorClass, retryable, retryAfter) => {
    server.enqueue(fixture);
    const llm = new LlmClient(openai(), PLENTY);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toBeInstanceOf(ProviderError);
    expect({ errorClass: e.errorClass, retryable: e.retryable, status: (e as ProviderError).status, retryAfterMs: (e as ProviderError).retryAfterMs }).toEqual({ errorClass, retryable, status, retryAfterMs: retryAfter });
    expect(server.requests).toHaveLength(1);
    expect(llm.usage().tokens).toBe(0);
  });

  it('classifies an error chunk inside the stream as transient', async () => {
    server.enqueue('openai/chat.stream.error-midstream.sse');
    const llm = new LlmClient(openai(), PLENTY);
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toMatchObject({ errorClass: 'transient', retryable: true });
  });

  it('times out a call whose response does not come in time', async () => {
    server.enqueue({ fixture: 'openai/chat.completion.json', delayMs: 1500 });
    const llm = new LlmClient(openai({ stream: false }), PLENTY, { timeoutMs: 150 });
    expect((await failure(llm.complete({ prompt: 'x', maxTokens: 50 }))).errorClass).toBe('timeout');
  });

  it("falls back to the provider's own timeout when the client sets none", async () => {
    server.enqueue({ fixture: 'openai/chat.completion.json', delayMs: 1500 });
    const llm = new LlmClient(openai({ stream: false, timeoutMs: 150 }), PLENTY);
    const started = Date.now();
    expect((await failure(llm.complete({ prompt: 'x', maxTokens: 50 }))).errorClass).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops a call at the wall-clock deadline with a budget error', async () => {
    server.enqueue({ fixture: 'openai/chat.stream.sse', stallAfterEvents: 2 });
    const llm = new LlmClient(openai(), { ...PLENTY, wallclockMinutes: 0.004 }); // 240 ms
    const e = await failure(llm.complete({ prompt: 'x', maxTokens: 50 }));
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect((e as BudgetExceededError).dimension).toBe('wallclockMinutes');
  });
});
