import { CompletionRequest, CompletionResult, LlmProvider } from './llm-client';
import { ProviderError } from '../errors';

export interface Pricing {
  usdPerMTokIn: number;
  usdPerMTokOut: number;
}

async function postJson(url: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) {
    const cls = res.status === 429 ? 'rate-limit' : res.status >= 500 ? 'transient' : 'fatal';
    throw new ProviderError(cls, `${url} answered ${res.status}: ${text.slice(0, 300)}`, cls !== 'fatal');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError('transient', `${url} answered non-JSON: ${text.slice(0, 200)}`, true);
  }
}

/** Anthropic Messages API. */
export class AnthropicProvider implements LlmProvider {
  readonly name = 'anthropic';
  constructor(readonly model: string, private readonly apiKey: string, private readonly pricing: Pricing, private readonly baseUrl = 'https://api.anthropic.com', private readonly timeoutMs = 120_000) {}

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const body = await postJson(`${this.baseUrl}/v1/messages`, { 'x-api-key': this.apiKey, 'anthropic-version': '2023-06-01' }, {
      model: this.model, max_tokens: req.maxTokens, system: req.system, messages: [{ role: 'user', content: req.prompt }],
    }, this.timeoutMs);
    const text = (body.content ?? []).filter((c: { type: string }) => c.type === 'text').map((c: { text: string }) => c.text).join('');
    const inputTokens = body.usage?.input_tokens ?? 0;
    const outputTokens = body.usage?.output_tokens ?? 0;
    return { text, inputTokens, outputTokens, usd: (inputTokens * this.pricing.usdPerMTokIn + outputTokens * this.pricing.usdPerMTokOut) / 1e6 };
  }
}

/** Any OpenAI-compatible chat completions endpoint (Ollama, vLLM, llama.cpp server, ...). */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai-compatible';
  constructor(readonly model: string, private readonly baseUrl: string, private readonly apiKey: string | undefined, private readonly pricing: Pricing, private readonly timeoutMs = 300_000) {}

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const messages = [...(req.system ? [{ role: 'system', content: req.system }] : []), { role: 'user', content: req.prompt }];
    const body = await postJson(`${this.baseUrl.replace(/\/$/, '')}/chat/completions`, this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}, {
      model: this.model, max_tokens: req.maxTokens, messages,
    }, this.timeoutMs);
    const text = body.choices?.[0]?.message?.content ?? '';
    const inputTokens = body.usage?.prompt_tokens ?? 0;
    const outputTokens = body.usage?.completion_tokens ?? 0;
    return { text, inputTokens, outputTokens, usd: (inputTokens * this.pricing.usdPerMTokIn + outputTokens * this.pricing.usdPerMTokOut) / 1e6 };
  }
}
