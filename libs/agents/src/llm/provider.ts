/**
 * What a model endpoint is asked and what it answers. Providers speak their vendor's wire format
 * through the vendor's SDK; everything about budgets, prompts, validation and journalling lives in
 * the LlmClient, so a provider stays a thin translation.
 */

export interface Pricing {
  usdPerMTokIn: number;
  usdPerMTokOut: number;
  /** Anthropic: tokens written to the prompt cache. Defaults to the input price. */
  usdPerMTokCacheWrite?: number;
  /** Tokens read from the prompt cache. Defaults to the input price. */
  usdPerMTokCacheRead?: number;
  /** Where the figures came from: the price table version, an env override, a default. */
  source?: string;
}

export const FREE: Pricing = { usdPerMTokIn: 0, usdPerMTokOut: 0, source: 'free' };

/** Ask for JSON fitting this schema: tool use (Anthropic) or response_format json_schema (OpenAI). */
export interface StructuredOutput {
  /** A tool / schema name: letters, digits, _ and -, at most 64. */
  name: string;
  description?: string;
  schema: Record<string, unknown>;
}

export interface StreamProgress {
  /** Characters of output received so far (text, or JSON for structured output). */
  outputChars: number;
  /** outputChars / 4: a rough count until the provider reports usage at the end. */
  approxOutputTokens: number;
}

export interface ProviderRequest {
  system?: string;
  prompt: string;
  maxTokens: number;
  schema?: StructuredOutput;
  temperature?: number;
  /** Per-call timeout; the provider fails the call with a timeout error past it. */
  timeoutMs?: number;
  /** Aborts the call (task cancelled, lease lost, wall-clock budget over). */
  signal?: AbortSignal;
  /** Called as streamed output arrives. */
  onProgress?: (p: StreamProgress) => void;
}

export interface ProviderUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export interface ProviderResult extends ProviderUsage {
  /** The text answer; for structured output, the JSON text. */
  text: string;
  /** Structured output as parsed from the response (validated by the LlmClient, not here). */
  json?: unknown;
  /** The model that answered, as the response names it. */
  responseModel?: string;
  stopReason?: string;
  requestId?: string;
  /** False when the provider sent no usage (an interrupted stream, a server that omits it). */
  usageReported?: boolean;
  streamed?: boolean;
  /** Provider-specific USD, when the provider knows better than the price table (offline: 0). */
  usd?: number;
}

/** A model endpoint: offline (default), anthropic or any OpenAI-compatible server. */
export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  /** Used to estimate a call's cost before it is made; absent means the provider costs nothing. */
  readonly pricing?: Pricing;
  /** The provider's per-call timeout; the LlmClient uses it when the call and the client set none. */
  readonly timeoutMs?: number;
  complete(req: ProviderRequest): Promise<ProviderResult>;
}

/** USD for a usage at a price; micro-dollar precision like Usage.usd. */
export function costOf(pricing: Pricing | undefined, u: ProviderUsage): number {
  if (!pricing) return 0;
  const usd =
    (u.inputTokens * pricing.usdPerMTokIn +
      u.outputTokens * pricing.usdPerMTokOut +
      (u.cacheWriteTokens ?? 0) * (pricing.usdPerMTokCacheWrite ?? pricing.usdPerMTokIn) +
      (u.cacheReadTokens ?? 0) * (pricing.usdPerMTokCacheRead ?? pricing.usdPerMTokIn)) /
    1e6;
  // Rounded up to a micro-dollar, so many small calls never add up to less than was charged.
  return usd <= 0 ? 0 : Math.ceil(usd * 1e6 - 1e-9) / 1e6;
}

/** Rough tokens for a text (4 characters a token), as the offline provider counts. */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4);
