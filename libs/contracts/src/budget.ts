import type { Budget, Usage } from './common';

/**
 * Budget and usage arithmetic shared by the planner (run budgets, extensions) and the scheduler
 * (phase budgets split across tasks). USD is kept to cents for budgets and micro-dollars for usage.
 */
export const ZERO_USAGE: Usage = { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 };

/**
 * Splits a budget evenly across n tasks (whole tokens, cents, rounded down so the parts never add
 * up to more than the whole); wall-clock is a deadline, not shared. A part that rounds to $0 is a
 * $0 budget: nothing may be spent from it (see exceeds), never "unlimited".
 */
export function splitBudget(budget: Budget, n: number): Budget {
  const parts = Math.max(1, n);
  return {
    tokens: Math.floor(budget.tokens / parts),
    usd: Math.floor((budget.usd / parts) * 100) / 100,
    toolMinutes: budget.toolMinutes / parts,
    wallclockMinutes: budget.wallclockMinutes,
  };
}

export function scaleBudget(b: Budget, n: number): Budget {
  return { tokens: b.tokens * n, usd: b.usd * n, toolMinutes: b.toolMinutes * n, wallclockMinutes: b.wallclockMinutes };
}

export function addBudget(a: Budget, b: Budget): Budget {
  return { tokens: a.tokens + b.tokens, usd: Math.round((a.usd + b.usd) * 100) / 100, toolMinutes: a.toolMinutes + b.toolMinutes, wallclockMinutes: Math.max(a.wallclockMinutes, b.wallclockMinutes) };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return { tokens: a.tokens + b.tokens, usd: Math.round((a.usd + b.usd) * 1e6) / 1e6, toolMinutes: a.toolMinutes + b.toolMinutes, wallclockMs: a.wallclockMs + b.wallclockMs };
}

/** What a reservation holds or a settlement moves. Wall clock is a deadline, checked apart. */
export interface Spend {
  tokens: number;
  usd: number;
  toolMinutes: number;
}
export type SpendDimension = keyof Spend;
export const SPEND_DIMENSIONS: readonly SpendDimension[] = ['tokens', 'usd', 'toolMinutes'];
export const ZERO_SPEND: Spend = { tokens: 0, usd: 0, toolMinutes: 0 };

/** USD in whole micro-dollars, so sums of small amounts compare exactly. */
const micro = (usd: number) => Math.round(usd * 1e6);

export function addSpend(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens + b.tokens, usd: micro(a.usd + b.usd) / 1e6, toolMinutes: a.toolMinutes + b.toolMinutes };
}

export function subtractSpend(a: Spend, b: Spend): Spend {
  return { tokens: a.tokens - b.tokens, usd: micro(a.usd - b.usd) / 1e6, toolMinutes: a.toolMinutes - b.toolMinutes };
}

export interface BudgetShortfall {
  dimension: SpendDimension;
  limit: number;
  /** What committed + want would come to. */
  wouldUse: number;
}

/**
 * The first dimension in which `want` does not fit beside what is already committed (used plus
 * reserved), or undefined when it fits. Zero means zero: a dimension with limit 0 admits no spend
 * at all, and only a want of exactly 0 fits it.
 */
export function exceeds(limit: Budget, committed: Spend, want: Spend): BudgetShortfall | undefined {
  for (const dimension of SPEND_DIMENSIONS) {
    if (want[dimension] <= 0) continue;
    const would = committed[dimension] + want[dimension];
    const over = dimension === 'usd' ? micro(would) > micro(limit.usd) : would > limit[dimension];
    if (over) return { dimension, limit: limit[dimension], wouldUse: dimension === 'usd' ? micro(would) / 1e6 : would };
  }
  return undefined;
}

/** What is left of a budget after `used` (never below zero); wall clock is left to the caller. */
export function remainingSpend(limit: Budget, used: Spend): Spend {
  return {
    tokens: Math.max(0, limit.tokens - used.tokens),
    usd: Math.max(0, micro(limit.usd - used.usd) / 1e6),
    toolMinutes: Math.max(0, limit.toolMinutes - used.toolMinutes),
  };
}
