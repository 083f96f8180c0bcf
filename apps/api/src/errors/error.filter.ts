import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@ideamine/telemetry';
import { ApiError, ApiErrorCode, ErrorBody } from './api-error';

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'IM_VALIDATION', 401: 'IM_UNAUTHORIZED', 403: 'IM_FORBIDDEN', 404: 'IM_NOT_FOUND', 409: 'IM_CONFLICT',
  413: 'IM_PAYLOAD_TOO_LARGE', 415: 'IM_UNSUPPORTED_MEDIA_TYPE', 422: 'IM_IDEMPOTENCY_MISMATCH', 429: 'IM_RATE_LIMITED', 503: 'IM_UNAVAILABLE',
};

/** Seconds a client should wait after a 503 (Postgres or NATS away): about one reconnect. */
export const RETRY_AFTER_S = 5;

/** Postgres and TypeORM failures that mean "the read model is away", not "your request is wrong". */
function isDatabaseUnavailable(err: any): boolean {
  const code = String(err?.code ?? err?.driverError?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '53300', '08006', '08001', '08003'].includes(code)) return true;
  const name = String(err?.name ?? '');
  const msg = String(err?.message ?? '');
  return name === 'CannotExecuteNotConnectedError' || /Connection terminated|connection is not established|DataSource is not initialized|timeout exceeded when trying to connect/i.test(msg);
}

/** nats.js errors that mean "JetStream is away" (no responders, timeouts, a closed connection). */
function isNatsUnavailable(err: any): boolean {
  if (err?.name !== 'NatsError') return false;
  return ['503', 'TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_REFUSED', 'CONNECTION_DRAINING', 'DISCONNECT'].includes(String(err.code));
}

/** Maps anything thrown into the one error body. Unknown errors are logged and answered opaquely. */
export function toErrorBody(err: unknown, logger?: Logger): { status: number; body: ErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: err.toBody() };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const response = err.getResponse() as any;
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'IM_INTERNAL' : 'IM_VALIDATION');
    const raw = typeof response === 'string' ? response : response?.message ?? err.message;
    const message = Array.isArray(raw) ? raw.join('; ') : String(raw);
    const details = typeof response === 'object' && response && !Array.isArray(response) && ('checks' in response) ? response : Array.isArray(raw) ? raw : null;
    return { status, body: { error: { code, message, details } } };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, body: { error: { code: 'IM_READ_MODEL_UNAVAILABLE', message: 'the read-model database is unavailable; retry shortly (GET /health/ready says when it is back)', details: null } } };
  }
  if (isNatsUnavailable(err) || (err as { code?: unknown })?.code === 'IM_ARTIFACT_READ_STALLED') {
    return { status: 503, body: { error: { code: 'IM_EVENT_STORE_UNAVAILABLE', message: `the event store (NATS JetStream) is unavailable: ${(err as Error).message}`, details: null } } };
  }
  logger?.error({ err }, 'unhandled API error');
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'IM_INTERNAL', message: 'internal error; the server log has the details', details: null } } };
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(private readonly logger?: Logger) {}

  catch(err: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') throw err;
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorBody(err, this.logger);
    // A streaming response (SSE, a dossier download) that already began can only be ended.
    if (res.headersSent) return void res.end();
    // An outage is temporary: tell clients (and proxies) when asking again makes sense.
    if (status === HttpStatus.SERVICE_UNAVAILABLE) res.setHeader('Retry-After', String(RETRY_AFTER_S));
    res.status(status).json(body);
  }
}

/** body-parser errors (413 too large, 400 bad JSON, 415 charset) happen before Nest routes; same body. */
export function bodyParserErrorHandler(err: any, _req: Request, res: Response, next: NextFunction) {
  if (!err || typeof err.type !== 'string' || res.headersSent) return next(err);
  const byType: Record<string, [number, ApiErrorCode, string]> = {
    'entity.too.large': [413, 'IM_PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${err.limit} bytes`],
    'entity.parse.failed': [400, 'IM_VALIDATION', `request body is not valid JSON: ${err.message}`],
    'encoding.unsupported': [415, 'IM_UNSUPPORTED_MEDIA_TYPE', err.message],
    'charset.unsupported': [415, 'IM_UNSUPPORTED_MEDIA_TYPE', err.message],
  };
  const hit = byType[err.type];
  if (!hit) return next(err);
  res.status(hit[0]).json({ error: { code: hit[1], message: hit[2], details: null } } satisfies ErrorBody);
}
