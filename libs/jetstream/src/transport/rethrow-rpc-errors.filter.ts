import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

/**
 * Nest's default RPC exception handler turns a thrown error into a plain object and logs it; the
 * consumer runner then cannot tell a PermanentMessageError (dead-letter now) from a transient one
 * (retry later). This filter hands the original error back unchanged; the runner logs it.
 */
@Catch()
export class RethrowRpcErrors implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
