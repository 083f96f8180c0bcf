import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import {
  COMMAND_CATALOG, Envelope, EVENT_CATALOG, isCommandName, isEventType, subjects,
} from '@ideamine/contracts';
import type { NatsResources } from '../nats-resources';
import { publishEnvelope } from '../publisher';

/**
 * NestJS client: `client.emit(type, envelope)` publishes a command or event to JetStream on the
 * subject the catalog assigns (deduplicated by envelope id). Request/response is not offered:
 * JetStream commands are fire-and-forget and outcomes arrive as events.
 */
export class JetStreamClientProxy extends ClientProxy {
  constructor(private readonly nats: NatsResources, private readonly workerPool = 'default') {
    super();
  }

  async connect(): Promise<unknown> {
    return this.nats.nc;
  }

  async close(): Promise<void> {
    /* the connection belongs to NatsResources */
  }

  unwrap<T>(): T {
    return this.nats.nc as T;
  }

  protected publish(_packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    callback({ err: new Error('request/response is not offered over JetStream; use emit()'), isDisposed: true });
    return () => undefined;
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket<Envelope>): Promise<T> {
    const env = packet.data;
    if (packet.pattern !== env.type) throw new Error(`pattern "${packet.pattern}" does not match envelope type "${env.type}"`);
    if (isCommandName(env.type)) {
      const service = COMMAND_CATALOG[env.type].service;
      const subject = env.type === 'run-task' ? subjects.workerPool(this.workerPool) : subjects.command(service, env.type);
      return (await publishEnvelope(this.nats.js, 'cmd', subject, env)) as T;
    }
    if (isEventType(env.type)) {
      const subject = subjects.event(env.runId, EVENT_CATALOG[env.type].aggregate, env.aggregateId);
      return (await publishEnvelope(this.nats.js, 'evt', subject, env)) as T;
    }
    throw new Error(`"${env.type}" is neither a known command nor a known event type`);
  }
}
