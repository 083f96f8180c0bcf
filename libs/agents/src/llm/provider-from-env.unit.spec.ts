import { AnthropicProvider } from './anthropic-provider';
import { OfflineProvider } from './offline-provider';
import { OpenAiCompatibleProvider } from './openai-compatible-provider';
import { DEFAULT_MODELS, ProviderConfigError, providerFromEnv } from './provider-from-env';

describe('providerFromEnv', () => {
  it('is offline by default, with no key and no price', () => {
    const p = providerFromEnv({});
    expect(p).toBeInstanceOf(OfflineProvider);
    expect(p.pricing).toMatchObject({ usdPerMTokIn: 0, usdPerMTokOut: 0 });
  });

  it('builds the Anthropic provider on its SDK with the table price of the default model', () => {
    const p = providerFromEnv({ IM_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', IM_LLM_TIMEOUT_MS: '5000' });
    expect(p).toBeInstanceOf(AnthropicProvider);
    expect(p).toMatchObject({ model: DEFAULT_MODELS.anthropic, timeoutMs: 5000, pricing: { usdPerMTokIn: 3, usdPerMTokOut: 15 } });
  });

  it('builds the OpenAI-compatible provider for a local server, self-hosted models at $0', () => {
    const p = providerFromEnv({ IM_LLM_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', IM_LLM_MODEL: 'qwen2.5' });
    expect(p).toBeInstanceOf(OpenAiCompatibleProvider);
    expect(p).toMatchObject({ model: 'qwen2.5', pricing: { usdPerMTokIn: 0, usdPerMTokOut: 0 } });
  });

  it.each([
    [{ IM_LLM_PROVIDER: 'anthropic' }, /needs ANTHROPIC_API_KEY/],
    [{ IM_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', IM_LLM_MODEL: 'claude-next' }, /not in libs\/agents\/pricing\/prices\.v1\.json/],
    [{ IM_LLM_PROVIDER: 'openai-compatible' }, /needs OPENAI_BASE_URL/],
    [{ IM_LLM_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: 'http://x/v1', IM_LLM_STRUCTURED: 'xml' }, /IM_LLM_STRUCTURED="xml" is not one of/],
    [{ IM_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', IM_LLM_STREAM: 'sometimes' }, /IM_LLM_STREAM="sometimes" must be true or false/],
    [{ IM_LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k', IM_LLM_TIMEOUT_MS: '-1' }, /IM_LLM_TIMEOUT_MS="-1" must be a whole number/],
    [{ IM_LLM_PROVIDER: 'gemini' }, /IM_LLM_PROVIDER="gemini" is not one of offline, anthropic, openai-compatible/],
  ])('refuses bad configuration with the variable and the reason (%#)', (env, why) => {
    expect(() => providerFromEnv(env)).toThrow(ProviderConfigError);
    expect(() => providerFromEnv(env)).toThrow(why);
  });
});
