import { Budget, ERROR_CLASSES, ErrorClass } from '@ideamine/contracts';

export type { ErrorClass };

/**
 * An agent failure with a class the supervisor's retry policy understands. `retryable` defaults to
 * the class's default (libs/contracts error-class.ts); an instance overrides it when it knows better
 * (a 429 for an exhausted monthly quota is a rate_limit that no retry will fix).
 */
export class AgentError extends Error {
  readonly retryable: boolean;
  /**
   * Tokens the provider charged before this failure (a response that came back but was unusable:
   * invalid structured output, a context-window stop). The LlmClient settles the budget with it.
   */
  spent?: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number };

  constructor(readonly errorClass: ErrorClass, message: string, retryable?: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.retryable = retryable ?? ERROR_CLASSES[errorClass].retryable;
  }

  get code(): string {
    return `IM_AGENT_${this.errorClass.toUpperCase()}`;
  }
}

export class BudgetExceededError extends AgentError {
  constructor(readonly dimension: keyof Budget, readonly limit: number, readonly used: number, detail = '') {
    super('budget', `budget exhausted: ${dimension} would reach ${round(used)} of ${round(limit)}${detail ? ` (${detail})` : ''}`, false);
  }
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Output (of an agent or of one structured call) that does not fit its JSON Schema. */
export class SchemaInvalidError extends AgentError {
  constructor(readonly subject: string, readonly reason: string, message?: string) {
    super('schema_invalid', message ?? `${subject} does not match its schema: ${reason}`);
  }
}

/** An agent's final output failed its outputSchema (the worker checks this after run()). */
export class InvalidAgentOutputError extends SchemaInvalidError {
  constructor(agent: string, reason: string) {
    super(agent, reason, `${agent} produced output that does not match its schema: ${reason}`);
  }
}

export class UnknownAgentError extends AgentError {
  constructor(name: string) {
    super('fatal', `no agent named "${name}" is registered (check the phase YAML)`, false);
  }
}

/** A tool called through ctx.llm.tool() failed; the original error is the cause. */
export class ToolError extends AgentError {
  constructor(readonly tool: string, cause: unknown) {
    super('tool', `tool "${tool}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, { cause });
  }
}

/** Claims that the evidence does not support (the grounding scorer finds them). */
export class HallucinationError extends AgentError {
  constructor(readonly unsupported: string[], subject: string) {
    super('hallucination', `${subject}: ${unsupported.length} claim(s) not supported by the evidence: ${unsupported.slice(0, 3).map((c) => JSON.stringify(c)).join('; ')}`);
  }
}

export interface ProviderErrorInfo {
  provider?: string;
  /** HTTP status, when the provider answered. */
  status?: number;
  /** The provider's own error type or code (e.g. overloaded_error, context_length_exceeded). */
  providerCode?: string;
  /** A delay the provider asked for (Retry-After); a hint for the supervisor's next attempt. */
  retryAfterMs?: number;
  requestId?: string;
  retryable?: boolean;
  cause?: unknown;
}

/** A failed call to a model provider, classified from the SDK's error (see llm/provider-errors.ts). */
export class ProviderError extends AgentError {
  readonly provider?: string;
  readonly status?: number;
  readonly providerCode?: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(errorClass: ErrorClass, message: string, info: ProviderErrorInfo = {}) {
    super(errorClass, message, info.retryable, { cause: info.cause });
    this.provider = info.provider;
    this.status = info.status;
    this.providerCode = info.providerCode;
    this.retryAfterMs = info.retryAfterMs;
    this.requestId = info.requestId;
  }
}

type Loose = Error & { status?: unknown; code?: unknown; name?: string; cause?: unknown; retryable?: unknown };

const NETWORK = /ECONNRESET|ECONNREFUSED|EAI_AGAIN|ENOTFOUND|EPIPE|socket hang up|network|fetch failed|terminated/i;

/**
 * Maps anything thrown during a task to an error class. Provider SDK errors are classified where
 * they are raised (the providers call classifyProviderError with the response); this is the
 * fallback for everything else, matched by name and code rather than by message where possible.
 */
export function classifyError(err: unknown): AgentError {
  if (err instanceof AgentError) return err;
  const e = (err ?? {}) as Loose;
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  const status = typeof e.status === 'number' ? e.status : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (e.name === 'AbortError' || e.name === 'APIUserAbortError') return new AgentError('cancelled', message, false, { cause: err });
  if (e.name === 'TimeoutError' || e.name === 'APIConnectionTimeoutError' || code === 'ETIMEDOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new AgentError('timeout', message, true, { cause: err });
  }
  if (status === 429) return new ProviderError('rate_limit', message, { status, cause: err });
  if (status === 401 || status === 403) return new ProviderError('auth', message, { status, cause: err });
  if (status !== undefined && status >= 500) return new ProviderError('transient', message, { status, cause: err });
  if ((code && NETWORK.test(code)) || NETWORK.test(message)) return new AgentError('transient', message, true, { cause: err });
  if (/\btimed? ?out\b|\btimeout\b/i.test(message)) return new AgentError('timeout', message, true, { cause: err });
  // Our infrastructure errors say themselves whether a later attempt can succeed.
  if (e.retryable === true) return new AgentError('transient', message, true, { cause: err });
  return new AgentError('fatal', message, false, { cause: err });
}
