import type { Budget, Usage } from '@ideamine/contracts';
import { BudgetExceededError } from '../errors';

export interface CompletionRequest {
  system?: string;
  prompt: string;
  maxTokens: number;
}

export interface CompletionResult {
  text: string;
  inputTokens: number;
  outputTokens: number;
  usd: number;
}

/** A model endpoint: offline (default), anthropic or any OpenAI-compatible server. */
export interface LlmProvider {
  readonly name: string;
  readonly model: string;
  complete(req: CompletionRequest): Promise<CompletionResult>;
}

export const estimateTokens = (text: string) => Math.ceil(text.length / 4);

/**
 * What agents call. Checks the remaining budget before every call (worst case: prompt plus
 * maxTokens) and accounts the usage after it.
 */
export class LlmClient {
  private used: Usage = { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 };

  constructor(private readonly provider: LlmProvider, private readonly budget: Budget, private readonly startedAt = Date.now()) {}

  get providerName() {
    return this.provider.name;
  }

  async complete(req: CompletionRequest): Promise<string> {
    const worstTokens = this.used.tokens + estimateTokens((req.system ?? '') + req.prompt) + req.maxTokens;
    if (worstTokens > this.budget.tokens) throw new BudgetExceededError('tokens', this.budget.tokens, worstTokens);
    if (this.budget.usd > 0 && this.used.usd > this.budget.usd) throw new BudgetExceededError('usd', this.budget.usd, this.used.usd);
    const elapsedMin = (Date.now() - this.startedAt) / 60_000;
    if (elapsedMin > this.budget.wallclockMinutes) throw new BudgetExceededError('wallclockMinutes', this.budget.wallclockMinutes, elapsedMin);
    const r = await this.provider.complete(req);
    this.used = {
      ...this.used,
      tokens: this.used.tokens + r.inputTokens + r.outputTokens,
      usd: Math.round((this.used.usd + r.usd) * 1e6) / 1e6,
    };
    return r.text;
  }

  usage(): Usage {
    return { ...this.used, wallclockMs: Date.now() - this.startedAt };
  }

  remaining(): Budget {
    return {
      tokens: Math.max(0, this.budget.tokens - this.used.tokens),
      usd: Math.max(0, this.budget.usd - this.used.usd),
      toolMinutes: this.budget.toolMinutes,
      wallclockMinutes: Math.max(0, this.budget.wallclockMinutes - (Date.now() - this.startedAt) / 60_000),
    };
  }
}
