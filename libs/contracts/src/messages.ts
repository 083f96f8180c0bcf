import { Envelope, Producer } from './envelope';
import { EVENT_CATALOG, EventPayload, EventType } from './events/catalog';
import { COMMAND_CATALOG, CommandName, CommandPayload } from './commands/catalog';
import { canonicalJson, deriveEventId, sha256Hex, uuidv7 } from './ids';
import { subjects } from './subjects';

export type EventEnvelope<T extends EventType = EventType> = Envelope<T, EventPayload<T>>;
export type CommandEnvelope<C extends CommandName = CommandName> = Envelope<C, CommandPayload<C>>;

/** Every event envelope as a union that narrows on `type` (no casts in evolve). */
export type AnyEventEnvelope = { [T in EventType]: EventEnvelope<T> }[EventType];

/** What a decision returns: an event without the envelope fields the publisher fills in. */
export interface NewEvent<T extends EventType = EventType> {
  type: T;
  aggregateId: string;
  payload: EventPayload<T>;
}

export type AnyNewEvent = { [T in EventType]: NewEvent<T> }[EventType];

export const newEvent = <T extends EventType>(type: T, aggregateId: string, payload: EventPayload<T>): NewEvent<T> => ({
  type,
  aggregateId,
  payload,
});

export interface Cause {
  id: string;
  correlationId: string;
  runId: string;
}

/**
 * Wraps a decided event in its envelope. The id is derived from the cause, the event's position in
 * the decision and its content, so replaying the same decision yields the same ids and JetStream
 * dedupes them, while two different events caused by one message never collide.
 */
export function envelopeEvent<T extends EventType>(
  ev: NewEvent<T>, cause: Cause, producer: Producer, index: number, now = new Date(),
): { subject: string; envelope: EventEnvelope<T> } {
  const envelope: EventEnvelope<T> = {
    id: deriveEventId(cause.id, `${index}:${ev.type}:${ev.aggregateId}:${sha256Hex(canonicalJson(ev.payload))}`),
    type: ev.type,
    schemaVersion: 1,
    runId: cause.runId,
    aggregateId: ev.aggregateId,
    occurredAt: now.toISOString(),
    producer,
    causationId: cause.id,
    correlationId: cause.correlationId,
    payload: ev.payload,
  };
  return { subject: subjects.event(cause.runId, EVENT_CATALOG[ev.type].aggregate, ev.aggregateId), envelope };
}

export function makeCommand<C extends CommandName>(
  name: C, runId: string, aggregateId: string, payload: CommandPayload<C>, producer: Producer,
  opts: { id?: string; causationId?: string | null; correlationId?: string; pool?: string } = {},
): { subject: string; envelope: CommandEnvelope<C> } {
  const id = opts.id ?? uuidv7();
  const service = COMMAND_CATALOG[name].service;
  const subject = name === 'run-task' ? subjects.workerPool(opts.pool ?? 'default') : subjects.command(service, name);
  return {
    subject,
    envelope: {
      id, type: name, schemaVersion: 1, runId, aggregateId, occurredAt: new Date().toISOString(), producer,
      causationId: opts.causationId ?? null, correlationId: opts.correlationId ?? id, payload,
    },
  };
}
