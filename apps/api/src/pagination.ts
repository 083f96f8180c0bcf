import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiResponse, ApiUnauthorizedResponse, ApiTooManyRequestsResponse, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { badRequest } from './errors/api-error';
import { ErrorResponse } from './openapi/schemas';

/**
 * Cursors are opaque to clients: base64url of the last row's sort key, tagged with what they
 * page through so a runs cursor handed to /tasks is refused rather than misread.
 */
export function encodeCursor(kind: string, key: unknown): string | null {
  if (key === null || key === undefined) return null;
  return Buffer.from(JSON.stringify({ k: kind, v: key })).toString('base64url');
}

export function decodeCursor<T>(kind: string, cursor: string | undefined, check: (v: any) => v is T): T | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: any;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor is not one this API issued: pass nextCursor from the previous page unchanged', [{ field: 'cursor', reason: 'undecodable' }]);
  }
  if (parsed?.k !== kind || !check(parsed.v)) throw badRequest(`cursor does not belong to this list (${kind})`, [{ field: 'cursor', reason: 'wrong list' }]);
  return parsed.v;
}

export const isRunKey = (v: any): v is { createdAt: string; runId: string } => typeof v?.createdAt === 'string' && !Number.isNaN(Date.parse(v.createdAt)) && typeof v?.runId === 'string';
export const isTaskKey = (v: any): v is { scheduledAt: string; taskId: string } => typeof v?.scheduledAt === 'string' && !Number.isNaN(Date.parse(v.scheduledAt)) && typeof v?.taskId === 'string';
export const isSeq = (v: any): v is number => Number.isSafeInteger(v) && v >= 0;

/** The error responses every authenticated route can give, in the one error shape. */
export function ApiCommonErrors(...extra: { status: number; description: string }[]) {
  return applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponse, description: 'invalid input; details name each field and why' }),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'missing or invalid API key' }),
    ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'rate limit exceeded' }),
    ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'Postgres or NATS unavailable' }),
    ...extra.map((e) => ApiResponse({ status: e.status, type: ErrorResponse, description: e.description })),
  );
}

/** A stream sequence a client sends back (an SSE id): digits only, or a 400 naming the parameter. */
export function parseStreamSeq(what: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw badRequest(`${what} must be a stream sequence number (the id of the last event received)`, [{ field: what, reason: `"${raw.slice(0, 40)}" is not a number` }]);
  return Number(raw);
}
