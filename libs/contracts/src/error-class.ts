import { Type, Static } from '@sinclair/typebox';

/**
 * Why a task attempt failed: the one definition used by task.failed, the worker's classifier
 * (libs/agents classifyError) and the supervisor's retry policy.
 */
export const ErrorClass = Type.Union([
  Type.Literal('transient'),
  Type.Literal('rate_limit'),
  Type.Literal('timeout'),
  Type.Literal('schema_invalid'),
  Type.Literal('tool'),
  Type.Literal('hallucination'),
  Type.Literal('auth'),
  Type.Literal('budget'),
  Type.Literal('context_overflow'),
  Type.Literal('cancelled'),
  Type.Literal('fatal'),
]);
export type ErrorClass = Static<typeof ErrorClass>;

export const ERROR_CLASS_NAMES: readonly ErrorClass[] = ErrorClass.anyOf.map((l) => l.const);

/**
 * What usually helps, so a supervisor can act on a class without knowing where it came from:
 * - retry: the same input may well succeed on another attempt;
 * - retry-after-delay: wait (honour the provider's Retry-After when the error carries one);
 * - chunk: the same input will fail again; split or shrink it first;
 * - pause-run: nothing is wrong with the task; the run needs more budget (an extension resumes it);
 * - escalate: a person must act (credentials, configuration, a bug);
 * - none: the failure was asked for (cancellation).
 */
export type ErrorRemedy = 'retry' | 'retry-after-delay' | 'chunk' | 'pause-run' | 'escalate' | 'none';

export interface ErrorClassDefaults {
  /** Whether another attempt with the same input can succeed; an error instance may override it. */
  retryable: boolean;
  remedy: ErrorRemedy;
  description: string;
}

export const ERROR_CLASSES: Readonly<Record<ErrorClass, ErrorClassDefaults>> = {
  transient: { retryable: true, remedy: 'retry', description: 'network failure, 5xx or an overloaded provider' },
  rate_limit: { retryable: true, remedy: 'retry-after-delay', description: 'the provider throttled us (429); the error may carry a Retry-After delay' },
  timeout: { retryable: true, remedy: 'retry', description: 'the call or the tool ran past its time limit' },
  schema_invalid: { retryable: true, remedy: 'retry', description: 'output did not match the agent or call schema; a fresh attempt often does' },
  tool: { retryable: true, remedy: 'retry', description: 'a tool the agent called failed' },
  hallucination: { retryable: true, remedy: 'retry', description: 'output made claims its evidence does not support' },
  auth: { retryable: false, remedy: 'escalate', description: 'the provider refused the credentials (401/403)' },
  budget: { retryable: false, remedy: 'pause-run', description: 'a token, USD, tool-minute or wall-clock budget would be exceeded' },
  context_overflow: { retryable: false, remedy: 'chunk', description: "the prompt does not fit the model's context window" },
  cancelled: { retryable: false, remedy: 'none', description: 'the attempt was cancelled or aborted on purpose' },
  fatal: { retryable: false, remedy: 'escalate', description: 'a bug, bad input or configuration; retrying will not help' },
};

export const isErrorClass = (s: unknown): s is ErrorClass => typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CLASSES, s);

/**
 * Names used before this file existed (task.failed events already in the stream carry them).
 * An upcaster or a reader of old events maps them here.
 */
export const LEGACY_ERROR_CLASS_NAMES: Readonly<Record<string, ErrorClass>> = {
  'rate-limit': 'rate_limit',
  'invalid-output': 'schema_invalid',
};

/** The current class for a name read from anywhere (old events included); undefined when unknown. */
export function upcastErrorClass(name: string): ErrorClass | undefined {
  return isErrorClass(name) ? name : LEGACY_ERROR_CLASS_NAMES[name];
}
