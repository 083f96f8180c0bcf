import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { AnyEnvelope, EventEnvelope, EventType, HEADERS, InvalidMessageError, isEventType, MAX_MESSAGE_BYTES, sha256Hex, validateMessage } from '@ideamine/contracts';

/** One message read from IM_EVENTS, as the stream holds it. */
export interface StreamMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
  /** Nats-Msg-Id header, when the publisher set one (ours always do). */
  msgId?: string;
}

/** A valid event of a catalog type, with the bytes exactly as published. */
export interface ProjectedEvent<T extends EventType = EventType> {
  type: T;
  seq: number;
  subject: string;
  /** The message body exactly as published (UTF-8 JSON); stored verbatim and hashed by the ledger. */
  raw: string;
  envelope: EventEnvelope<T>;
}

/** The union that narrows on `type` (STYLE E1): `switch (e.type)` types `e.envelope.payload`. */
export type AnyProjectedEvent = { [T in EventType]: ProjectedEvent<T> }[EventType];

/** A message that is not a valid event: kept out of the read models, recorded as a dead letter. */
export interface RejectedMessage {
  seq: number;
  subject: string;
  reason: string;
}

/** A well-formed envelope whose type this code does not know (a newer producer): skipped and counted. */
export interface UnknownTypeMessage {
  seq: number;
  subject: string;
  type: string;
  eventId: string;
  runId: string;
}

/** `source` is kept for what is needed of the last message of a batch only (its identity). */
export type DecodedMessage =
  | { kind: 'event'; seq: number; source: StreamMessage; event: AnyProjectedEvent }
  | { kind: 'rejected'; seq: number; source: StreamMessage; rejected: RejectedMessage }
  | { kind: 'unknown'; seq: number; source: StreamMessage; unknown: UnknownTypeMessage };

// Only to tell "unknown type" from "not an envelope at all"; per-type validation is the catalog's.
const ajv = new Ajv({ strict: false });
addFormats(ajv);
const isEnvelope = ajv.compile(AnyEnvelope);

/** The identity of a message for the stream-regression check: its Nats-Msg-Id, else a digest of its bytes. */
export function messageIdentity(m: StreamMessage): string {
  return m.msgId ?? `sha256:${sha256Hex(m.data)}`;
}

export function msgIdHeader(headers: { get(k: string): string } | undefined): string | undefined {
  const v = headers?.get(HEADERS.msgId);
  return v ? v : undefined;
}

/**
 * Decodes and validates one stream message. Never throws: a bad message becomes `rejected` with
 * the reason, an envelope of a type not in the catalog becomes `unknown`.
 */
export function decodeStreamMessage(m: StreamMessage): DecodedMessage {
  const source = m;
  if (m.data.length > MAX_MESSAGE_BYTES) {
    return { kind: 'rejected', seq: m.seq, source, rejected: { seq: m.seq, subject: m.subject, reason: `message is ${m.data.length} bytes, over the ${MAX_MESSAGE_BYTES}-byte limit` } };
  }
  const raw = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { kind: 'rejected', seq: m.seq, source, rejected: { seq: m.seq, subject: m.subject, reason: `not JSON: ${(err as Error).message}` } };
  }
  const type = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !isEventType(type) && isEnvelope(parsed)) {
    const env = parsed as { id: string; runId: string };
    return { kind: 'unknown', seq: m.seq, source, unknown: { seq: m.seq, subject: m.subject, type, eventId: env.id, runId: env.runId } };
  }
  try {
    // validateMessage checked the envelope and the payload against the schema of its type, so the
    // value is the typed envelope of that type: this is the one boundary cast of the projection.
    const envelope = validateMessage('evt', parsed) as EventEnvelope;
    const event = { type: envelope.type, seq: m.seq, subject: m.subject, raw, envelope } as AnyProjectedEvent;
    return { kind: 'event', seq: m.seq, source, event };
  } catch (err) {
    const reason = err instanceof InvalidMessageError ? err.reason : (err as Error).message;
    return { kind: 'rejected', seq: m.seq, source, rejected: { seq: m.seq, subject: m.subject, reason } };
  }
}
