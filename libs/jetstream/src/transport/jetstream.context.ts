import { BaseRpcContext } from '@nestjs/microservices';
import type { MessageContext } from '../consumer-runner';

/** What @Ctx() gives a handler: the raw JetStream message, its validated envelope and a bound logger. */
export class JetStreamContext extends BaseRpcContext<[MessageContext]> {
  get message() {
    return this.args[0].msg;
  }
  get envelope() {
    return this.args[0].envelope;
  }
  get delivery() {
    return this.args[0].delivery;
  }
  get logger() {
    return this.args[0].logger;
  }
}
