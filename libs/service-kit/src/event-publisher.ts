import { Inject, Injectable } from '@nestjs/common';
import {
  Cause, CommandName, CommandPayload, EventEnvelope, envelopeEvent, makeCommand, NewEvent, Producer,
} from '@ideamine/contracts';
import { NatsResources, publishEnvelope, PublishOptions } from '@ideamine/jetstream';
import { NATS, SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './service-config';

const VERSION = process.env.npm_package_version ?? '0.1.0';

/** Publishes decided events and commands with this service as producer. */
@Injectable()
export class EventPublisher {
  readonly producer: Producer;

  constructor(@Inject(NATS) readonly nats: NatsResources, @Inject(SERVICE_CONFIG) readonly config: ServiceConfig) {
    this.producer = { service: config.service, version: VERSION, instance: config.instance };
  }

  /** Publishes events in order; ids derive from the cause, so a repeated decision is deduplicated. */
  async publishEvents(cause: Cause, events: NewEvent[], opts: PublishOptions = {}): Promise<EventEnvelope[]> {
    const out: EventEnvelope[] = [];
    for (const [i, ev] of events.entries()) {
      const { subject, envelope } = envelopeEvent(ev, cause, this.producer, i);
      await publishEnvelope(this.nats.js, 'evt', subject, envelope, opts);
      out.push(envelope);
    }
    return out;
  }

  async sendCommand<C extends CommandName>(
    name: C, runId: string, aggregateId: string, payload: CommandPayload<C>,
    opts: { id?: string; causationId?: string | null; correlationId?: string; pool?: string } = {},
  ) {
    const { subject, envelope } = makeCommand(name, runId, aggregateId, payload, this.producer, opts);
    await publishEnvelope(this.nats.js, 'cmd', subject, envelope);
    return envelope;
  }
}
