export interface RetryRule {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Retry policy by error class; classes without a rule are never retried (fatal, budget, cancelled). */
export const RETRY_POLICY: Record<string, RetryRule> = {
  transient: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 },
  rate_limit: { maxAttempts: 8, baseDelayMs: 5000, maxDelayMs: 300_000 },
  timeout: { maxAttempts: 3, baseDelayMs: 2000, maxDelayMs: 60_000 },
  schema_invalid: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 },
  tool: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
  hallucination: { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 10_000 },
};

export type RetryDecision = { retry: true; nextAttempt: number; delayMs: number } | { retry: false; reason: string };

/** Pure: whether a failed attempt is retried, and after how long (exponential, capped). */
export function decideRetry(errorClass: string, retryable: boolean, attempt: number, policy = RETRY_POLICY): RetryDecision {
  const rule = policy[errorClass];
  if (!retryable || !rule) return { retry: false, reason: `${errorClass} errors are not retried` };
  if (attempt >= rule.maxAttempts) return { retry: false, reason: `${errorClass}: gave up after ${attempt} attempt(s)` };
  return { retry: true, nextAttempt: attempt + 1, delayMs: Math.min(rule.baseDelayMs * 2 ** (attempt - 1), rule.maxDelayMs) };
}
