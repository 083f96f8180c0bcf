/** Typed errors a handler throws to tell the consumer runner what to do with the message. */
export class PermanentMessageError extends Error {
  readonly code: string = 'IM_PERMANENT';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Retry later: the runner naks with this delay (a plain nak() would redeliver at once). */
export class RetryLaterError extends Error {
  readonly code = 'IM_RETRY_LATER';
  constructor(readonly reason: string, readonly delayMs: number) {
    super(reason);
  }
}

export class PublishFailedError extends Error {
  readonly code = 'IM_PUBLISH_FAILED';
  constructor(readonly subject: string, readonly attempts: number, readonly lastError: unknown) {
    super(`publish to ${subject} failed after ${attempts} attempt(s): ${(lastError as Error)?.message ?? String(lastError)}`);
  }
}

/** Another writer appended to the aggregate subject since we read it (expected-last-subject-sequence). */
export class ConcurrencyConflictError extends Error {
  readonly code = 'IM_CONCURRENCY_CONFLICT';
  constructor(readonly subject: string, readonly expected: number) {
    super(`${subject} moved past sequence ${expected}`);
  }
}

export class ProvisioningError extends Error {
  readonly code = 'IM_PROVISIONING';
}

/**
 * Leave the message as it is: neither ack nor nak. For a worker whose attempt was fenced by a newer
 * one: the message now belongs to that attempt's delivery, and acking it would end its redelivery.
 */
export class LeaveUnackedError extends Error {
  readonly code = 'IM_LEAVE_UNACKED';
}

/** JetStream API error codes we act on (nats-server's errors.json). */
export const JS_ERR = { wrongLastSequence: 10071, noMessageFound: 10037, streamNotFound: 10059 } as const;

export const jsErrCode = (err: unknown): number | undefined => (err as { api_error?: { err_code?: number } })?.api_error?.err_code;
