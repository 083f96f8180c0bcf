import { JetStreamClient, PubAck, headers as natsHeaders, MsgHdrs } from 'nats';
import { Envelope, HEADERS, validateMessage, MAX_MESSAGE_BYTES, InvalidMessageError } from '@ideamine/contracts';
import { eventsPublished, injectTraceContext } from '@ideamine/telemetry';
import { ConcurrencyConflictError, JS_ERR, jsErrCode, PublishFailedError } from './errors';

export interface PublishOptions {
  /** Optimistic concurrency: the publish fails unless the subject's last sequence is this one. */
  expectLastSubjectSequence?: number;
  /** How long to keep retrying a timed-out or unanswered publish (same message id each time). */
  retryForMs?: number;
  timeoutMs?: number;
}

const RETRYABLE = /timeout|503|no responders|disconnect|closed|connection/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let validateOnPublish = true;
/**
 * Whether publishEnvelope validates what it sends. Services turn it off outside tests
 * (IM_VALIDATE_PUBLISH): every consumer validates what it receives, and edges validate their input.
 */
export function setPublishValidation(on: boolean): void {
  validateOnPublish = on;
}

/**
 * Publishes an envelope to JetStream (never core publish: it is dropped silently while disconnected).
 * The message id is the envelope id, so a retry after a lost ack is deduplicated by the server.
 * The envelope is validated first: publishing an invalid message is a bug and throws.
 */
export async function publishEnvelope(
  js: JetStreamClient, family: 'evt' | 'cmd', subject: string, envelope: Envelope, opts: PublishOptions = {},
): Promise<PubAck> {
  if (validateOnPublish) validateMessage(family, envelope);
  const data = Buffer.from(JSON.stringify(envelope));
  if (data.length > MAX_MESSAGE_BYTES) throw new InvalidMessageError(`${envelope.type} is ${data.length} bytes; store large bodies as artifacts`);
  const h: MsgHdrs = natsHeaders();
  h.set(HEADERS.eventType, envelope.type);
  h.set(HEADERS.runId, envelope.runId);
  injectTraceContext(h);
  return publishWithRetry(js, subject, data, envelope.id, h, opts, envelope.type);
}

export async function publishWithRetry(
  js: JetStreamClient, subject: string, data: Uint8Array, msgId: string, h: MsgHdrs, opts: PublishOptions = {}, label = 'raw',
): Promise<PubAck> {
  const deadline = Date.now() + (opts.retryForMs ?? 60_000);
  let attempt = 0;
  let delay = 100;
  for (;;) {
    attempt++;
    try {
      const ack = await js.publish(subject, data, {
        msgID: msgId,
        headers: h,
        timeout: opts.timeoutMs ?? 5000,
        expect: opts.expectLastSubjectSequence !== undefined ? { lastSubjectSequence: opts.expectLastSubjectSequence } : undefined,
      });
      eventsPublished.inc({ type: label, duplicate: String(ack.duplicate) });
      return ack;
    } catch (err) {
      const message = (err as Error).message ?? '';
      if (jsErrCode(err) === JS_ERR.wrongLastSequence) throw new ConcurrencyConflictError(subject, opts.expectLastSubjectSequence ?? -1);
      if (!RETRYABLE.test(message + String((err as { code?: string }).code)) || Date.now() > deadline) {
        throw new PublishFailedError(subject, attempt, err);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}
