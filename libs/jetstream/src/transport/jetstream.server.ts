import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom, isObservable } from 'rxjs';
import { messagesHandled } from '@ideamine/telemetry';
import type { NatsResources } from '../nats-resources';
import { DurableConsumerSpec, MessageContext, RunningConsumer, runDurableConsumer } from '../consumer-runner';
import { JetStreamContext } from './jetstream.context';

/**
 * NestJS transport over JetStream durable pull consumers. Handlers are ordinary
 * `@EventPattern('<event type or command name>')` methods; the pattern is matched against the
 * envelope's `type`, never the subject. A handler that returns normally acks; one that throws is
 * retried with a delay or dead-lettered (see runDurableConsumer). Types without a handler are acked.
 */
export class JetStreamServer extends Server implements CustomTransportStrategy {
  private running: RunningConsumer[] = [];
  /** Handlers by message type, built once: Nest's getHandlerByPattern parses JSON patterns on every call. */
  private routes = new Map<string, MessageHandler>();

  constructor(private readonly nats: NatsResources, private readonly consumers: DurableConsumerSpec[]) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.getHandlers()) {
        let type: unknown = pattern;
        try {
          type = JSON.parse(pattern);
        } catch {
          /* a plain string pattern */
        }
        this.routes.set(String(type), handler);
      }
      for (const spec of this.consumers) {
        this.running.push(await runDurableConsumer(this.nats.js, this.nats.jsm, spec, (ctx) => this.dispatch(spec, ctx), this.nats.logger));
      }
      callback();
    } catch (err) {
      callback(err);
    }
  }

  private async dispatch(spec: DurableConsumerSpec, ctx: MessageContext): Promise<void> {
    const handler = this.routes.get(ctx.envelope.type);
    if (!handler) {
      messagesHandled.inc({ consumer: spec.durable, outcome: 'ignored' });
      return;
    }
    const result = await handler(ctx.envelope, new JetStreamContext([ctx]));
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.running.map((r) => r.stop()));
    this.running = [];
  }

  on(): never {
    throw new Error('JetStreamServer has no event listeners; watch NATS status on the connection instead');
  }

  unwrap<T>(): T {
    return this.nats.nc as T;
  }
}
