import { ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { throwError } from 'rxjs';

/**
 * Nest's default RPC exception handler turns a thrown error into a plain object and logs it; the
 * consumer runner then cannot tell a PermanentMessageError (dead-letter now) from a transient one
 * (retry later). Applied once at bootstrap, this hands RPC errors back unchanged (the runner logs
 * them) and leaves HTTP errors (health, API) to Nest's usual handling.
 */
@Catch()
export class RethrowRpcErrors extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost) {
    if (host.getType() === 'rpc') return throwError(() => exception);
    return super.catch(exception, host);
  }
}
