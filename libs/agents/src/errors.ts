import type { Budget } from '@ideamine/contracts';

export type ErrorClass = 'transient' | 'rate-limit' | 'timeout' | 'invalid-output' | 'budget' | 'fatal' | 'cancelled';

/** An agent failure with a class the supervisor's retry policy understands. */
export class AgentError extends Error {
  constructor(readonly errorClass: ErrorClass, message: string, readonly retryable: boolean) {
    super(message);
  }
  get code() {
    return `IM_AGENT_${this.errorClass.toUpperCase().replace('-', '_')}`;
  }
}

export class BudgetExceededError extends AgentError {
  constructor(readonly dimension: keyof Budget, readonly limit: number, readonly used: number) {
    super('budget', `agent budget exhausted: ${dimension} would reach ${used} of ${limit}`, false);
  }
}

export class InvalidAgentOutputError extends AgentError {
  constructor(agent: string, reason: string) {
    super('invalid-output', `${agent} produced output that does not match its schema: ${reason}`, true);
  }
}

export class UnknownAgentError extends AgentError {
  constructor(name: string) {
    super('fatal', `no agent named "${name}" is registered (check the phase YAML)`, false);
  }
}

export class ProviderError extends AgentError {}

/** Maps anything thrown during a task to an error class. */
export function classifyError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const e = err as Error & { status?: number; code?: string };
  if (e?.status === 429) return new ProviderError('rate-limit', e.message, true);
  if (e?.name === 'AbortError' || e?.code === 'ETIMEDOUT' || /timeout|timed out/i.test(e?.message ?? '')) return new ProviderError('timeout', e.message, true);
  if ((e?.status ?? 0) >= 500 || /ECONNRESET|ECONNREFUSED|EAI_AGAIN|socket hang up/i.test(e?.message ?? '')) return new ProviderError('transient', e.message, true);
  return new AgentError('fatal', e?.message ?? String(err), false);
}
