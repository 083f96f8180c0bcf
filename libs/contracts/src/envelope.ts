import { Type, Static, TSchema } from '@sinclair/typebox';
import { Id, IsoTime, Uuid } from './common';

export const Producer = Type.Object(
  { service: Type.String(), version: Type.String(), instance: Type.String() },
  { additionalProperties: false },
);
export type Producer = Static<typeof Producer>;

/** Every event and command travels in this envelope; `payload` is typed per message type. */
export function envelopeOf<P extends TSchema>(type: string, payload: P) {
  return Type.Object(
    {
      id: Uuid,
      type: Type.Literal(type),
      schemaVersion: Type.Integer({ minimum: 1 }),
      runId: Id,
      aggregateId: Id,
      occurredAt: IsoTime,
      producer: Producer,
      causationId: Type.Union([Uuid, Type.Null()]),
      correlationId: Uuid,
      payload,
    },
    { additionalProperties: false, $id: `${type}.v1` },
  );
}

export const AnyEnvelope = Type.Object(
  {
    id: Uuid,
    type: Type.String({ pattern: '^[a-z][a-z0-9_.-]*$' }),
    schemaVersion: Type.Integer({ minimum: 1 }),
    runId: Id,
    aggregateId: Id,
    occurredAt: IsoTime,
    producer: Producer,
    causationId: Type.Union([Uuid, Type.Null()]),
    correlationId: Uuid,
    payload: Type.Unknown(),
  },
  { additionalProperties: false },
);

export interface Envelope<T extends string = string, P = unknown> {
  id: string;
  type: T;
  schemaVersion: number;
  runId: string;
  aggregateId: string;
  occurredAt: string;
  producer: Producer;
  causationId: string | null;
  correlationId: string;
  payload: P;
}
