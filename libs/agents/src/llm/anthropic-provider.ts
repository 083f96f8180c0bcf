import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsBase, RawMessageStreamEvent, Message, Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import { AgentError, ProviderError, SchemaInvalidError } from '../errors';
import { classifyProviderError, paid } from './provider-errors';
import type { LlmProvider, Pricing, ProviderRequest, ProviderResult } from './provider';

export interface AnthropicProviderOptions {
  apiKey: string;
  model: string;
  pricing: Pricing;
  /** Defaults to the SDK's (https://api.anthropic.com); tests point it at a local server. */
  baseURL?: string;
  /** Per-call timeout when the request gives none. */
  timeoutMs?: number;
  /**
   * SDK-level retries. 0 by default: retries belong to the supervisor, which sees the error class,
   * honours Retry-After with a durable timer and keeps the budget honest; an SDK retrying inside
   * one attempt would hide rate limits and pay twice without the journal knowing.
   */
  maxRetries?: number;
  /** Stream the response (default): output arrives as progress, and long calls never idle. */
  stream?: boolean;
}

/** Anthropic Messages API through @anthropic-ai/sdk. Structured output is a forced tool call. */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic';
  readonly model: string;
  readonly pricing: Pricing;
  readonly timeoutMs: number;
  private readonly client: Anthropic;
  private readonly stream: boolean;

  constructor(opts: AnthropicProviderOptions) {
    this.model = opts.model;
    this.pricing = opts.pricing;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.stream = opts.stream ?? true;
    this.client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: this.timeoutMs, maxRetries: opts.maxRetries ?? 0 });
  }

  async complete(req: ProviderRequest): Promise<ProviderResult> {
    const params: MessageCreateParamsBase = {
      model: this.model,
      max_tokens: req.maxTokens,
      messages: [{ role: 'user', content: req.prompt }],
      ...(req.system ? { system: req.system } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.schema
        ? {
            tools: [{ name: req.schema.name, description: req.schema.description ?? `Return the ${req.schema.name} output.`, input_schema: req.schema.schema as Anthropic.Tool.InputSchema }],
            tool_choice: { type: 'tool' as const, name: req.schema.name },
          }
        : {}),
    };
    const options = { signal: req.signal, ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}) };
    let result: ProviderResult;
    try {
      result = this.stream ? await this.streamed(params, options, req) : this.fromMessage(await this.client.messages.create({ ...params, stream: false }, options), req, false);
    } catch (err) {
      throw classifyProviderError(err, this.name);
    }
    if (result.stopReason === 'model_context_window_exceeded') {
      throw paid(new ProviderError('context_overflow', `${this.name}: the model stopped at its context window (stop_reason model_context_window_exceeded)`, { provider: this.name, providerCode: result.stopReason }), result);
    }
    return result;
  }

  /** Folds the SSE events (message_start, content_block_*, message_delta, message_stop) into a result. */
  private async streamed(params: MessageCreateParamsBase, options: { signal?: AbortSignal; timeout?: number }, req: ProviderRequest): Promise<ProviderResult> {
    const stream = await this.client.messages.create({ ...params, stream: true }, options);
    const blocks: { type: string; text: string; name?: string }[] = [];
    let usage: Partial<Usage> = {};
    let responseModel: string | undefined;
    let stopReason: string | undefined;
    let requestId: string | undefined;
    let chars = 0;
    let stopped = false;
    for await (const ev of stream as AsyncIterable<RawMessageStreamEvent>) {
      switch (ev.type) {
        case 'message_start':
          responseModel = ev.message.model;
          requestId = ev.message.id;
          usage = { ...ev.message.usage };
          break;
        case 'content_block_start': {
          const b = ev.content_block;
          blocks[ev.index] = b.type === 'text' ? { type: 'text', text: b.text ?? '' } : b.type === 'tool_use' ? { type: 'tool_use', text: '', name: b.name } : { type: b.type, text: '' };
          break;
        }
        case 'content_block_delta': {
          const b = (blocks[ev.index] ??= { type: 'text', text: '' });
          const piece = ev.delta.type === 'text_delta' ? ev.delta.text : ev.delta.type === 'input_json_delta' ? ev.delta.partial_json : '';
          b.text += piece;
          chars += piece.length;
          if (piece) req.onProgress?.({ outputChars: chars, approxOutputTokens: Math.ceil(chars / 4) });
          break;
        }
        case 'message_delta':
          stopReason = ev.delta.stop_reason ?? stopReason;
          // message_delta usage is cumulative; fields it leaves out keep their message_start value.
          for (const [k, v] of Object.entries(ev.usage ?? {})) if (typeof v === 'number') (usage as Record<string, number>)[k] = v;
          break;
        case 'message_stop':
          stopped = true;
          break;
        default:
          break;
      }
    }
    // The SDK ends an aborted stream quietly; a partial answer must not pass for a whole one.
    if (req.signal?.aborted) throw new ProviderError('cancelled', `${this.name} stream aborted after ${chars} characters`, { provider: this.name, retryable: false });
    const tool = blocks.find((b) => b?.type === 'tool_use');
    const text = req.schema ? (tool?.text ?? '') : blocks.filter((b) => b?.type === 'text').map((b) => b.text).join('');
    const result: ProviderResult = {
      text,
      ...this.usage(usage),
      usageReported: stopped && typeof usage.output_tokens === 'number',
      responseModel,
      stopReason,
      requestId,
      streamed: true,
    };
    if (req.schema) {
      try {
        result.json = this.parseToolInput(tool?.text, req, stopReason);
      } catch (err) {
        throw paid(err as AgentError, result);
      }
    }
    return result;
  }

  private fromMessage(msg: Message, req: ProviderRequest, streamed: boolean): ProviderResult {
    const tool = msg.content.find((c) => c.type === 'tool_use');
    const text = req.schema ? (tool ? JSON.stringify(tool.input) : '') : msg.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
    const result: ProviderResult = { text, ...this.usage(msg.usage), usageReported: true, responseModel: msg.model, stopReason: msg.stop_reason ?? undefined, requestId: msg.id, streamed };
    if (req.schema) {
      if (!tool) throw paid(this.noStructuredOutput(req, msg.stop_reason ?? undefined), result);
      result.json = tool.input;
    }
    return result;
  }

  private usage(u: Partial<Usage>) {
    return {
      inputTokens: u.input_tokens ?? 0,
      outputTokens: u.output_tokens ?? 0,
      cacheReadTokens: u.cache_read_input_tokens ?? 0,
      cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
    };
  }

  private parseToolInput(json: string | undefined, req: ProviderRequest, stopReason: string | undefined): unknown {
    if (json === undefined) throw this.noStructuredOutput(req, stopReason);
    // A tool call with no arguments streams no input_json_delta at all: its input is {}.
    if (json.trim() === '') return {};
    try {
      return JSON.parse(json);
    } catch (err) {
      const why = stopReason === 'max_tokens' ? 'the output was cut off at max_tokens' : (err as Error).message;
      throw new SchemaInvalidError(`${this.name} ${req.schema!.name}`, `tool input is not JSON (${why})`);
    }
  }

  private noStructuredOutput(req: ProviderRequest, stopReason: string | undefined) {
    return new SchemaInvalidError(`${this.name} ${req.schema!.name}`, `the model did not call the ${req.schema!.name} tool (stop_reason ${stopReason ?? 'unknown'})`);
  }
}
