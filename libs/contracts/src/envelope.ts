import { Type, Static, TSchema } from '@sinclair/typebox';
import { Id, IsoTime, Uuid } from './common';

export const Producer = Type.Object(
  { service: Type.String(), version: Type.String(), instance: Type.String() },
  { additionalProperties: false },
);
export type Producer = Static<typeof Producer>;

const envelopeFields = <T extends TSchema, P extends TSchema>(type: T, payload: P) => ({
  id: Uuid,
  type,
  schemaVersion: Type.Integer({ minimum: 1 }),
  runId: Id,
  aggregateId: Id,
  occurredAt: IsoTime,
  producer: Producer,
  causationId: Type.Union([Uuid, Type.Null()]),
  correlationId: Uuid,
  payload,
});

/** Every event and command travels in this envelope; `payload` is typed per message type. */
export function envelopeOf<P extends TSchema>(type: string, payload: P) {
  return Type.Object(envelopeFields(Type.Literal(type), payload), { additionalProperties: false, $id: `${type}.v1` });
}

/** Any envelope, before its type is known (the first validation step of every consumer). */
export const AnyEnvelope = Type.Object(envelopeFields(Type.String({ pattern: '^[a-z][a-z0-9_.-]*$' }), Type.Unknown()), { additionalProperties: false });

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
