import { JetStreamClient, JsMsg, headers as natsHeaders } from 'nats';
import { HEADERS, subjects } from '@ideamine/contracts';
import { publishWithRetry } from './publisher';

export interface DeadLetterSource {
  stream: string;
  consumer: string;
  seq: number;
  subject: string;
  data: Uint8Array;
}

/**
 * Copies a message to IM_DLQ with the reason and where it came from. The message id is derived from
 * the source stream and sequence, so dead-lettering the same message twice stores it once.
 */
export async function deadLetter(js: JetStreamClient, src: DeadLetterSource, reason: string): Promise<void> {
  const h = natsHeaders();
  h.set(HEADERS.dlqReason, reason.slice(0, 2000).replace(/[\r\n]+/g, ' '));
  h.set(HEADERS.dlqStream, src.stream);
  h.set(HEADERS.dlqSeq, String(src.seq));
  h.set(HEADERS.dlqSubject, src.subject);
  h.set(HEADERS.dlqConsumer, src.consumer);
  await publishWithRetry(js, subjects.deadLetter(src.stream), src.data, `dlq-${src.stream}-${src.seq}`, h, {}, 'dead-letter');
}

export function deadLetterSourceOf(msg: JsMsg): DeadLetterSource {
  return { stream: msg.info.stream, consumer: msg.info.consumer, seq: msg.seq, subject: msg.subject, data: msg.data };
}
