import { Inject, Injectable } from '@nestjs/common';
import {
  AnyNewEvent, COMMAND_CATALOG, CommandName, CommandPayload, EVENT_CATALOG, EventEnvelope, EventPayload, isLogCommand, makeCommand,
  newEvent, Producer, subjects, uuidv7,
} from '@ideamine/contracts';
import { NatsResources, publishEnvelope, PublishOptions } from '@ideamine/jetstream';
import { NATS, SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './service-config';

const VERSION = process.env.npm_package_version ?? '0.1.0';

export const producerOf = (config: ServiceConfig): Producer => ({ service: config.service, version: VERSION, instance: config.instance });

export interface AppendOptions extends PublishOptions {
  runId: string;
  /** The event id: derive it from what the event answers (a command id), so a retry is stored once. */
  id: string;
  causationId: string | null;
  correlationId: string;
}

/**
 * Publishes what edges (the api, a command intake, a worker) produce. Deciders do not use it: their
 * events go through the decider runner, which derives ids from the decision.
 */
@Injectable()
export class EventPublisher {
  readonly producer: Producer;

  constructor(@Inject(NATS) readonly nats: NatsResources, @Inject(SERVICE_CONFIG) readonly config: ServiceConfig) {
    this.producer = producerOf(config);
  }

  /** Appends one event to a run's log (with optimistic concurrency when asked). Returns the envelope and its stream sequence. */
  async appendEvent(ev: AnyNewEvent, opts: AppendOptions): Promise<{ envelope: EventEnvelope; seq: number; duplicate: boolean }> {
    const envelope = {
      id: opts.id, type: ev.type, schemaVersion: 1, runId: opts.runId, aggregateId: ev.aggregateId, occurredAt: new Date().toISOString(),
      producer: this.producer, causationId: opts.causationId, correlationId: opts.correlationId, payload: ev.payload,
    } as EventEnvelope;
    const subject = subjects.event(opts.runId, EVENT_CATALOG[ev.type].aggregate, ev.aggregateId);
    const ack = await publishEnvelope(this.nats.js, 'evt', subject, envelope, opts);
    return { envelope, seq: ack.seq, duplicate: ack.duplicate };
  }

  /**
   * Sends a command the way the catalog says it travels: `log` commands are appended to the run's log
   * as command.received for their service's decider (in order with everything else it decides);
   * `queue` commands go to IM_CMD. Either way the returned id is the command's.
   */
  async sendCommand<C extends CommandName>(
    name: C, runId: string, aggregateId: string, payload: CommandPayload<C>,
    opts: { id?: string; causationId?: string | null; correlationId?: string; pool?: string } = {},
  ): Promise<{ id: string }> {
    if (isLogCommand(name)) {
      const id = opts.id ?? uuidv7();
      const service = COMMAND_CATALOG[name].service;
      const ev = newEvent('command.received', service, { command: name, payload } as EventPayload<'command.received'>);
      const { envelope } = await this.appendEvent(ev, { runId, id, causationId: opts.causationId ?? null, correlationId: opts.correlationId ?? id });
      return envelope;
    }
    const { subject, envelope } = makeCommand(name, runId, aggregateId, payload, this.producer, opts);
    await publishEnvelope(this.nats.js, 'cmd', subject, envelope);
    return envelope;
  }
}
