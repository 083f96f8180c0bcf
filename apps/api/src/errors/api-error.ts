import { HttpStatus } from '@nestjs/common';

/**
 * Every error the API answers with has this body, whatever raised it (a handler, validation,
 * the throttler, the body parser or an unavailable database): clients branch on `code`, show
 * `message`, and find the field-level reasons in `details`.
 */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details: unknown };
}

/** The stable codes, with their HTTP status; docs/api-errors.md lists them (checked by a spec). */
export const API_ERROR_CODES = {
  IM_VALIDATION: HttpStatus.BAD_REQUEST,
  IM_UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  IM_FORBIDDEN: HttpStatus.FORBIDDEN,
  IM_NOT_FOUND: HttpStatus.NOT_FOUND,
  IM_RUN_FINISHED: HttpStatus.CONFLICT,
  IM_CONFLICT: HttpStatus.CONFLICT,
  IM_PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  IM_UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  IM_IDEMPOTENCY_MISMATCH: HttpStatus.UNPROCESSABLE_ENTITY,
  IM_RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  IM_INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
  IM_READ_MODEL_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  IM_EVENT_STORE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  IM_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
} as const;
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** A typed API error; the filter turns it into the one error body with its status. */
export class ApiError extends Error {
  readonly status: number;

  constructor(readonly code: ApiErrorCode, message: string, readonly details: unknown = null) {
    super(message);
    this.name = new.target.name;
    this.status = API_ERROR_CODES[code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const notFound = (what: string, hint = '') => new ApiError('IM_NOT_FOUND', `${what} not found${hint ? ` (${hint})` : ''}`);
export const badRequest = (message: string, details: unknown = null) => new ApiError('IM_VALIDATION', message, details);
