import { createHash, randomBytes } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48-bit unix-ms timestamp, version and variant bits, the rest random.
 * Hand-written because the `uuid` package is ESM-only and our runtime and jest are CommonJS.
 */
export function uuidv7(now: number = Date.now(), rand: Buffer = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  rand.copy(bytes, 6, 0, 10);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidv7Timestamp(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

/**
 * A deterministic UUIDv7 for an event caused by another message: the timestamp is the cause's,
 * the random part is SHA-256(cause id + discriminator). A retried decision therefore produces the
 * same ids, and JetStream's duplicate window (Nats-Msg-Id) drops the second publish.
 */
export function deriveEventId(causationId: string, discriminator: string): string {
  const digest = createHash('sha256').update(`${causationId}\u0000${discriminator}`).digest();
  const ts = /^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(causationId) ? uuidv7Timestamp(causationId) : Date.now();
  return uuidv7(ts, digest.subarray(0, 10));
}

/** Canonical JSON: object keys sorted recursively, no whitespace; the basis of every content hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256Hex(data: string | Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Idempotence key of a task: SHA-256 over the canonical JSON of its input. */
export function idempotenceKey(input: unknown): string {
  return sha256Hex(canonicalJson(input));
}

/**
 * The id of an event a decider derived: from the decider and run (scope), the decision's number in
 * that run, the event's index in the decision and its content. Re-deriving the same decision (a new
 * owner after a crash, a replica racing a stale one) yields the same ids, so the stream keeps one
 * copy; the time bits come from the input's id, so they are deterministic too.
 */
export function decisionEventId(
  inputId: string, scope: string, decisionNo: number, index: number, ev: { type: string; aggregateId: string; payload: unknown },
): string {
  const digest = createHash('sha256').update(`${scope}\u0000${decisionNo}\u0000${index}\u0000${ev.type}\u0000${ev.aggregateId}\u0000${sha256Hex(canonicalJson(ev.payload))}`).digest();
  const ts = /^[0-9a-f]{8}-[0-9a-f]{4}-7/i.test(inputId) ? uuidv7Timestamp(inputId) : 0;
  return uuidv7(ts, digest.subarray(0, 10));
}

/** A deterministic id from a key and a time (injected events such as a timer firing: one id per timer). */
export function keyedEventId(key: string, atMs: number): string {
  return uuidv7(atMs, createHash('sha256').update(key).digest().subarray(0, 10));
}
