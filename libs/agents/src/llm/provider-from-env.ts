import { LlmProvider } from './llm-client';
import { OfflineProvider } from './offline-provider';
import { AnthropicProvider, OpenAiCompatibleProvider } from './http-providers';

export class ProviderConfigError extends Error {
  readonly code = 'IM_PROVIDER_CONFIG';
}

/** IM_LLM_PROVIDER = offline (default) | anthropic | openai-compatible; see the README's table. */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): LlmProvider {
  const kind = env.IM_LLM_PROVIDER ?? 'offline';
  const pricing = { usdPerMTokIn: Number(env.IM_LLM_USD_PER_MTOK_IN ?? 0), usdPerMTokOut: Number(env.IM_LLM_USD_PER_MTOK_OUT ?? 0) };
  switch (kind) {
    case 'offline':
      return new OfflineProvider();
    case 'anthropic':
      if (!env.ANTHROPIC_API_KEY) throw new ProviderConfigError('IM_LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY');
      return new AnthropicProvider(env.IM_LLM_MODEL ?? 'claude-sonnet-4-5', env.ANTHROPIC_API_KEY, pricing, env.ANTHROPIC_BASE_URL);
    case 'openai-compatible':
      if (!env.OPENAI_BASE_URL) throw new ProviderConfigError('IM_LLM_PROVIDER=openai-compatible needs OPENAI_BASE_URL (e.g. http://localhost:11434/v1 for Ollama)');
      return new OpenAiCompatibleProvider(env.IM_LLM_MODEL ?? 'llama3.1', env.OPENAI_BASE_URL, env.OPENAI_API_KEY, pricing);
    default:
      throw new ProviderConfigError(`IM_LLM_PROVIDER="${kind}" is not one of offline, anthropic, openai-compatible`);
  }
}
