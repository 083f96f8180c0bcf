import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { AgentError, ProviderError, SchemaInvalidError } from '../errors';
import { classifyProviderError, paid } from './provider-errors';
import { estimateTokens, LlmProvider, Pricing, ProviderRequest, ProviderResult } from './provider';

/**
 * How to ask for structured output:
 * - json_schema: response_format {type:'json_schema'} (OpenAI, vLLM, Ollama >= 0.5, llama.cpp server);
 * - json_object: response_format {type:'json_object'} plus the schema in the system prompt
 *   (older servers that only know JSON mode);
 * - prompt: the schema in the system prompt only.
 * The LlmClient validates the answer against the schema in every mode.
 */
export type StructuredMode = 'json_schema' | 'json_object' | 'prompt';

export interface OpenAiCompatibleProviderOptions {
  /** e.g. http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM), http://localhost:8080/v1 (llama.cpp). */
  baseURL: string;
  /** Local servers take any key; the SDK insists on one, so a placeholder is sent when none is set. */
  apiKey?: string;
  model: string;
  pricing: Pricing;
  timeoutMs?: number;
  /** 0 by default, for the reason given in AnthropicProviderOptions.maxRetries. */
  maxRetries?: number;
  stream?: boolean;
  structured?: StructuredMode;
  /** OpenAI's newer models want max_completion_tokens; most compatible servers read max_tokens. */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
}

const schemaInstruction = (schema: Record<string, unknown>) =>
  `Answer with one JSON value only, no prose and no code fences, that validates against this JSON Schema:\n${JSON.stringify(schema)}`;

/** Any OpenAI-compatible chat completions endpoint, through the official `openai` SDK. */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai-compatible';
  readonly model: string;
  readonly pricing: Pricing;
  readonly timeoutMs: number;
  private readonly client: OpenAI;
  private readonly stream: boolean;
  private readonly structured: StructuredMode;
  private readonly maxTokensParam: 'max_tokens' | 'max_completion_tokens';

  constructor(opts: OpenAiCompatibleProviderOptions) {
    this.model = opts.model;
    this.pricing = opts.pricing;
    this.timeoutMs = opts.timeoutMs ?? 300_000;
    this.stream = opts.stream ?? true;
    this.structured = opts.structured ?? 'json_schema';
    this.maxTokensParam = opts.maxTokensParam ?? 'max_tokens';
    this.client = new OpenAI({ apiKey: opts.apiKey || 'not-needed', baseURL: opts.baseURL, timeout: this.timeoutMs, maxRetries: opts.maxRetries ?? 0 });
  }

  async complete(req: ProviderRequest): Promise<ProviderResult> {
    const system = [req.system, req.schema && this.structured !== 'json_schema' ? schemaInstruction(req.schema.schema) : undefined].filter(Boolean).join('\n\n');
    const messages: ChatCompletionMessageParam[] = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: req.prompt }];
    const params: ChatCompletionCreateParamsBase = {
      model: this.model,
      messages,
      [this.maxTokensParam]: req.maxTokens,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.schema && this.structured === 'json_schema'
        ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.schema.name, description: req.schema.description, schema: req.schema.schema, strict: false } } }
        : req.schema && this.structured === 'json_object'
          ? { response_format: { type: 'json_object' as const } }
          : {}),
    };
    const options = { signal: req.signal, ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}) };
    let result: ProviderResult;
    try {
      result = this.stream ? await this.streamed(params, options, req) : this.fromCompletion(await this.client.chat.completions.create({ ...params, stream: false }, options));
    } catch (err) {
      throw classifyProviderError(err, this.name);
    }
    if (req.schema) {
      try {
        result.json = this.parseJson(result.text, req, result.stopReason);
      } catch (err) {
        throw paid(err as AgentError, result);
      }
    }
    return result;
  }

  /** Folds chat.completion.chunk deltas; usage arrives in a last chunk with no choices (stream_options.include_usage). */
  private async streamed(params: ChatCompletionCreateParamsBase, options: { signal?: AbortSignal; timeout?: number }, req: ProviderRequest): Promise<ProviderResult> {
    const stream = await this.client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } }, options);
    let text = '';
    let usage: CompletionUsage | undefined;
    let responseModel: string | undefined;
    let stopReason: string | undefined;
    let requestId: string | undefined;
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      responseModel ??= chunk.model;
      requestId ??= chunk.id;
      if (chunk.usage) usage = chunk.usage;
      // Some servers (vLLM) end with a usage-only chunk whose choices is null rather than [].
      const choice = chunk.choices?.[0];
      if (!choice) continue;
      const piece = choice.delta?.content ?? '';
      if (piece) {
        text += piece;
        req.onProgress?.({ outputChars: text.length, approxOutputTokens: Math.ceil(text.length / 4) });
      }
      if (choice.finish_reason) stopReason = choice.finish_reason;
    }
    // The SDK ends an aborted stream quietly; a partial answer must not pass for a whole one.
    if (req.signal?.aborted) throw new ProviderError('cancelled', `${this.name} stream aborted after ${text.length} characters`, { provider: this.name, retryable: false });
    return {
      text,
      ...this.usage(usage, req, text),
      usageReported: !!usage,
      responseModel,
      stopReason,
      requestId,
      streamed: true,
    };
  }

  private fromCompletion(c: ChatCompletion): ProviderResult {
    const choice = c.choices?.[0];
    const text = choice?.message?.content ?? '';
    return { text, ...this.usage(c.usage, undefined, text), usageReported: !!c.usage, responseModel: c.model, stopReason: choice?.finish_reason ?? undefined, requestId: c.id, streamed: false };
  }

  /**
   * Usage from the response. A server that sends none (an interrupted stream, an old llama.cpp)
   * is charged by estimate — prompt and output text at 4 characters a token — so the budget
   * never treats an unmetered call as free.
   */
  private usage(u: CompletionUsage | undefined | null, req: ProviderRequest | undefined, text: string) {
    if (!u) return { inputTokens: req ? estimateTokens((req.system ?? '') + req.prompt) : 0, outputTokens: estimateTokens(text), cacheReadTokens: 0 };
    const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
    // OpenAI counts cached tokens inside prompt_tokens; they are priced apart, so split them out.
    return { inputTokens: Math.max(0, u.prompt_tokens - cached), outputTokens: u.completion_tokens, cacheReadTokens: cached };
  }

  private parseJson(text: string, req: ProviderRequest, stopReason: string | undefined): unknown {
    // Servers in json_object / prompt mode sometimes wrap the JSON in a code fence anyway.
    const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
    try {
      return JSON.parse(body);
    } catch (err) {
      const why = stopReason === 'length' ? 'the output was cut off at max_tokens' : (err as Error).message;
      throw new SchemaInvalidError(`${this.name} ${req.schema!.name}`, `the answer is not JSON (${why})`);
    }
  }
}
