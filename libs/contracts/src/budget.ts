import type { Budget, Usage } from './common';

/**
 * Budget and usage arithmetic shared by the planner (run budgets, extensions) and the scheduler
 * (phase budgets split across tasks). USD is kept to cents for budgets and micro-dollars for usage.
 */
export const ZERO_USAGE: Usage = { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 };

/** Splits a budget evenly across n tasks (whole tokens, cents); wall-clock is a deadline, not shared. */
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
