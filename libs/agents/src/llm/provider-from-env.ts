import { AnthropicProvider } from './anthropic-provider';
import { OfflineProvider } from './offline-provider';
import { OpenAiCompatibleProvider, StructuredMode } from './openai-compatible-provider';
import { priceFor, PricingConfigError } from './pricing';
import type { LlmProvider } from './provider';

export class ProviderConfigError extends Error {
  readonly code = 'IM_PROVIDER_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ProviderConfigError';
  }
}

/** Default models: the SDKs' current general-purpose ones; IM_LLM_MODEL overrides. */
export const DEFAULT_MODELS = { anthropic: 'claude-sonnet-4-6', 'openai-compatible': 'llama3.1' } as const;

function positiveInt(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ProviderConfigError(`${key}="${raw}" must be a whole number >= 0`);
  return n;
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ProviderConfigError(`${key}="${raw}" must be true or false`);
}

/**
 * IM_LLM_PROVIDER = offline (default) | anthropic | openai-compatible, plus (README table):
 * IM_LLM_MODEL, IM_LLM_USD_PER_MTOK_IN / _OUT (price overrides), IM_LLM_TIMEOUT_MS (per call),
 * IM_LLM_MAX_RETRIES (SDK retries, default 0), IM_LLM_STREAM (default true),
 * IM_LLM_STRUCTURED (openai-compatible: json_schema | json_object | prompt),
 * IM_LLM_MAX_TOKENS_PARAM (openai-compatible: max_tokens | max_completion_tokens);
 * ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL; OPENAI_BASE_URL / OPENAI_API_KEY.
 */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): LlmProvider {
  const kind = env.IM_LLM_PROVIDER ?? 'offline';
  const common = { timeoutMs: positiveInt(env, 'IM_LLM_TIMEOUT_MS'), maxRetries: positiveInt(env, 'IM_LLM_MAX_RETRIES'), stream: flag(env, 'IM_LLM_STREAM', true) };
  const price = (provider: string, model: string) => {
    try {
      return priceFor(provider, model, env);
    } catch (err) {
      if (err instanceof PricingConfigError) throw new ProviderConfigError(err.message);
      throw err;
    }
  };
  switch (kind) {
    case 'offline':
      return new OfflineProvider();
    case 'anthropic': {
      if (!env.ANTHROPIC_API_KEY) throw new ProviderConfigError('IM_LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY');
      const model = env.IM_LLM_MODEL || DEFAULT_MODELS.anthropic;
      return new AnthropicProvider({ apiKey: env.ANTHROPIC_API_KEY, model, pricing: price('anthropic', model), baseURL: env.ANTHROPIC_BASE_URL || undefined, ...common });
    }
    case 'openai-compatible': {
      if (!env.OPENAI_BASE_URL) throw new ProviderConfigError('IM_LLM_PROVIDER=openai-compatible needs OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama)');
      const model = env.IM_LLM_MODEL || DEFAULT_MODELS['openai-compatible'];
      const structured = (env.IM_LLM_STRUCTURED || 'json_schema') as StructuredMode;
      if (!['json_schema', 'json_object', 'prompt'].includes(structured)) throw new ProviderConfigError(`IM_LLM_STRUCTURED="${structured}" is not one of json_schema, json_object, prompt`);
      const maxTokensParam = (env.IM_LLM_MAX_TOKENS_PARAM || 'max_tokens') as 'max_tokens' | 'max_completion_tokens';
      if (!['max_tokens', 'max_completion_tokens'].includes(maxTokensParam)) throw new ProviderConfigError(`IM_LLM_MAX_TOKENS_PARAM="${maxTokensParam}" is not one of max_tokens, max_completion_tokens`);
      return new OpenAiCompatibleProvider({ baseURL: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, model, pricing: price('openai-compatible', model), structured, maxTokensParam, ...common });
    }
    default:
      throw new ProviderConfigError(`IM_LLM_PROVIDER="${kind}" is not one of offline, anthropic, openai-compatible`);
  }
}
