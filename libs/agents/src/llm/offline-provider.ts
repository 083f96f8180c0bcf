import { AgentError } from '../errors';
import { estimateTokens, FREE, LlmProvider, ProviderRequest, ProviderResult } from './provider';

const STOP = new Set('a an and are as at be by for from has have in is it its of on or that the to was were will with this these those which who we you they our your their not no can may should must into than then also more most such only very'.split(' '));

// Unicode letters, not [a-z]: "Café" must stay "café", not become "caf" (same result for ASCII text).
export const words = (text: string) => (text.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]+/gu) ?? []).filter((w) => !STOP.has(w) && w.length > 2);

/**
 * The default provider: no network, no key, deterministic. It answers with the prompt's most
 * informative sentences (extractive summary by term frequency), so what comes out is always derived
 * from what went in. Costs nothing; tokens are counted like a real model's.
 */
export class OfflineProvider implements LlmProvider {
  readonly name = 'offline';
  readonly model = 'extractive-v1';
  readonly pricing = FREE;

  async complete(req: ProviderRequest): Promise<ProviderResult> {
    if (req.schema) {
      // Offline agents build their structured output by rule and ask the model for prose only;
      // inventing JSON that merely fits a schema would be canned output, not derived from input.
      throw new AgentError('fatal', `the offline provider writes prose only; structured output (${req.schema.name}) needs IM_LLM_PROVIDER=anthropic or openai-compatible`, false);
    }
    const sentences = req.prompt
      .split(/(?<=[.!?])\s+|\n+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 12);
    const freq = new Map<string, number>();
    for (const w of words(req.prompt)) freq.set(w, (freq.get(w) ?? 0) + 1);
    const scored = sentences.map((s, i) => {
      const ws = words(s);
      const score = ws.reduce((acc, w) => acc + (freq.get(w) ?? 0), 0) / Math.max(1, ws.length);
      return { s, i, score };
    });
    const budgetChars = req.maxTokens * 4;
    const picked: typeof scored = [];
    let chars = 0;
    for (const c of [...scored].sort((a, b) => b.score - a.score || a.i - b.i)) {
      if (chars + c.s.length > budgetChars) continue;
      picked.push(c);
      chars += c.s.length + 1;
    }
    const text = picked.sort((a, b) => a.i - b.i).map((c) => c.s).join(' ');
    if (text) req.onProgress?.({ outputChars: text.length, approxOutputTokens: estimateTokens(text) });
    return { text, inputTokens: estimateTokens((req.system ?? '') + req.prompt), outputTokens: estimateTokens(text), usd: 0, usageReported: true, responseModel: this.model, streamed: false };
  }
}
