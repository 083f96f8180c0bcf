import * as AnthropicSdk from '@anthropic-ai/sdk';
import * as OpenAiSdk from 'openai';
import { AgentError, classifyError, ProviderError } from '../errors';
import type { ProviderUsage } from './provider';

/**
 * Classifies what the Anthropic and OpenAI SDKs throw. Both SDKs raise an APIError carrying the
 * HTTP status, the response headers and the JSON error body; their subclasses differ, so this
 * reads those three fields rather than matching classes. Codes are matched before messages:
 * providers keep their codes stable and reword their messages.
 */

interface SdkLikeError {
  name?: string;
  message?: string;
  status?: number;
  headers?: { get(name: string): string | null } | Record<string, string>;
  /** Anthropic: the whole body ({type:'error', error:{type, message}}); OpenAI: body.error. */
  error?: unknown;
  /** Anthropic 1.x: error.type; OpenAI: error.type. */
  type?: string | null;
  /** OpenAI: error.code; Anthropic: error.details.error_code as errorCode. */
  code?: string | number | null;
  errorCode?: string | null;
  requestID?: string | null;
}

const CONTEXT_CODES = new Set(['context_length_exceeded', 'exceed_context_size_error', 'string_above_max_length', 'request_too_large']);
const CONTEXT_TEXT = /maximum context length|context length|context window|context size|prompt is too long|too many tokens|reduce the length|exceeds? the (?:available )?context/i;
const STREAM_TRANSIENT = new Set(['overloaded_error', 'api_error', 'server_error']);
/** 429s that waiting a few seconds will not fix: an exhausted quota or spend cap. */
const QUOTA_CODES = new Set(['insufficient_quota', 'enforced_spend_limit_reached', 'contract_spend_limit_reached', 'billing_hard_limit_reached']);

function header(h: SdkLikeError['headers'], name: string): string | undefined {
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined;
  const rec = h as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()];
}

/** Retry-After as milliseconds: retry-after-ms, then retry-after in seconds or as an HTTP date. */
export function retryAfterMs(h: SdkLikeError['headers'], now = Date.now()): number | undefined {
  const ms = header(h, 'retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.round(Number(ms));
  const ra = header(h, 'retry-after');
  if (ra === undefined || ra.trim() === '') return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The body's own error type and code, wherever the SDK put them. */
function providerFields(e: SdkLikeError): { type?: string; code?: string; message?: string } {
  const body = (e.error ?? {}) as Record<string, unknown>;
  const inner = (typeof body.error === 'object' && body.error ? body.error : body) as Record<string, unknown>;
  const details = (typeof inner.details === 'object' && inner.details ? inner.details : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);
  return {
    type: str(e.type) ?? str(inner.type),
    code: str(e.errorCode) ?? str(details.error_code) ?? (typeof e.code === 'string' ? e.code : undefined) ?? str(inner.code),
    message: str(inner.message) ?? e.message,
  };
}

export function classifyProviderError(err: unknown, provider: string): AgentError {
  if (err instanceof AgentError) return err;
  const e = (err ?? {}) as SdkLikeError;
  // The OpenAI SDK leaves `name` as "Error", so the kinds that carry no status are told apart by class.
  const isAbort = err instanceof AnthropicSdk.APIUserAbortError || err instanceof OpenAiSdk.APIUserAbortError || e.name === 'AbortError';
  const isTimeout = err instanceof AnthropicSdk.APIConnectionTimeoutError || err instanceof OpenAiSdk.APIConnectionTimeoutError || e.name === 'TimeoutError';
  const isConnection = err instanceof AnthropicSdk.APIConnectionError || err instanceof OpenAiSdk.APIConnectionError;
  const { type, code, message: bodyMessage } = providerFields(e);
  const status = typeof e.status === 'number' ? e.status : undefined;
  const requestId = e.requestID ?? undefined;
  const what = `${provider}${status ? ` answered ${status}` : ''}${type || code ? ` (${[type, code].filter(Boolean).join(', ')})` : ''}: ${bodyMessage ?? String(err)}`;
  const info = { provider, status, providerCode: code ?? type, requestId, cause: err };

  if (isAbort) return new ProviderError('cancelled', `${provider} call aborted`, { ...info, retryable: false });
  if (isTimeout) return new ProviderError('timeout', `${provider} call timed out: ${e.message ?? ''}`.trim(), info);
  if (isConnection && status === undefined && !type) return new ProviderError('transient', `${provider} unreachable: ${e.message ?? String(err)}`, info);

  if (status === 429 || type === 'rate_limit_error') {
    if (code && QUOTA_CODES.has(code)) return new ProviderError('rate_limit', `${what} (a quota or spend cap: retrying will not help until it is raised)`, { ...info, retryable: false });
    return new ProviderError('rate_limit', what, { ...info, retryAfterMs: retryAfterMs(e.headers) });
  }
  if (status === 401 || status === 403 || type === 'authentication_error' || type === 'permission_error') return new ProviderError('auth', what, info);
  if ((code && CONTEXT_CODES.has(code)) || (type && CONTEXT_CODES.has(type)) || ((status === 400 || status === 413 || status === 422 || type === 'invalid_request_error') && CONTEXT_TEXT.test(bodyMessage ?? ''))) {
    return new ProviderError('context_overflow', what, info);
  }
  if (status === 413) return new ProviderError('context_overflow', what, info);
  if (status === 408 || type === 'timeout_error') return new ProviderError('timeout', what, info);
  if (status !== undefined) {
    // 5xx includes Anthropic's 529 overloaded_error; 409 is a conflict that a later attempt clears.
    if (status >= 500 || status === 409) return new ProviderError('transient', what, { ...info, retryAfterMs: retryAfterMs(e.headers) });
    return new ProviderError('fatal', what, { ...info, retryable: false });
  }
  // An error sent inside a stream has no status of its own, only the body's type.
  if (type && STREAM_TRANSIENT.has(type)) return new ProviderError('transient', what, info);
  const fallback = classifyError(err);
  return new ProviderError(fallback.errorClass, `${provider}: ${fallback.message}`, { ...info, retryable: fallback.retryable });
}

/** Marks an error raised after the provider answered with what that answer cost. */
export function paid<E extends AgentError>(err: E, usage: ProviderUsage): E {
  err.spent = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, cacheReadTokens: usage.cacheReadTokens, cacheWriteTokens: usage.cacheWriteTokens };
  return err;
}
