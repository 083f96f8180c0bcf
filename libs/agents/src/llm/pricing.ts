import PRICE_TABLE from '../../pricing/prices.v1.json';
import type { Pricing } from './provider';

interface PriceRow {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

interface PriceTable {
  version: number;
  asOf: string;
  providers: Record<string, Record<string, PriceRow>>;
}

export class PricingConfigError extends Error {
  readonly code = 'IM_PRICING_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'PricingConfigError';
  }
}

const TABLE = PRICE_TABLE as PriceTable;
export const PRICE_TABLE_VERSION = `v${TABLE.version} (${TABLE.asOf})`;

/** claude-haiku-4-5-20251001 -> claude-haiku-4-5; gpt-4o-2024-08-06 -> gpt-4o. */
const undated = (model: string) => model.replace(/-\d{8}$/, '').replace(/-\d{4}-\d{2}-\d{2}$/, '');

function envNumber(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new PricingConfigError(`${key}="${raw}" is not a price: give USD per million tokens as a number >= 0`);
  return n;
}

/** The table's row for a model, if it lists it (by exact id, then by its undated alias). */
export function listedPrice(provider: string, model: string): Pricing | undefined {
  const rows = TABLE.providers[provider] ?? {};
  const row = rows[model] ?? rows[undated(model)];
  if (!row) return undefined;
  return {
    usdPerMTokIn: row.input,
    usdPerMTokOut: row.output,
    usdPerMTokCacheWrite: row.cacheWrite,
    usdPerMTokCacheRead: row.cacheRead,
    source: `prices ${PRICE_TABLE_VERSION}: ${provider}/${rows[model] ? model : undated(model)}`,
  };
}

/**
 * The price of a model: IM_LLM_USD_PER_MTOK_IN / _OUT when set (either one overrides its half of
 * the table), else the versioned table. An unlisted Anthropic model is an error rather than free,
 * because a wrong $0 would switch the USD budget off; an unlisted openai-compatible model is taken
 * to be self-hosted and costs 0 unless the env says otherwise.
 */
export function priceFor(provider: string, model: string, env: NodeJS.ProcessEnv = process.env): Pricing {
  const inOverride = envNumber(env, 'IM_LLM_USD_PER_MTOK_IN');
  const outOverride = envNumber(env, 'IM_LLM_USD_PER_MTOK_OUT');
  const listed = listedPrice(provider, model);
  if (inOverride !== undefined || outOverride !== undefined) {
    if (!listed && (inOverride === undefined || outOverride === undefined)) {
      throw new PricingConfigError(`${provider} model "${model}" is not in the price table: set both IM_LLM_USD_PER_MTOK_IN and IM_LLM_USD_PER_MTOK_OUT`);
    }
    return {
      usdPerMTokIn: inOverride ?? listed!.usdPerMTokIn,
      usdPerMTokOut: outOverride ?? listed!.usdPerMTokOut,
      // Cache prices scale with an overridden input price only when the table had none to offer.
      usdPerMTokCacheWrite: inOverride === undefined ? listed?.usdPerMTokCacheWrite : undefined,
      usdPerMTokCacheRead: inOverride === undefined ? listed?.usdPerMTokCacheRead : undefined,
      source: 'env IM_LLM_USD_PER_MTOK_IN/OUT',
    };
  }
  if (listed) return listed;
  if (provider === 'openai-compatible') return { usdPerMTokIn: 0, usdPerMTokOut: 0, source: 'self-hosted default (model not in the price table)' };
  throw new PricingConfigError(
    `${provider} model "${model}" is not in libs/agents/pricing/prices.v1.json: add it there or set IM_LLM_USD_PER_MTOK_IN and IM_LLM_USD_PER_MTOK_OUT`,
  );
}
