import { NatsResources, deadLetter } from '@ideamine/jetstream';
import { STREAMS } from '@ideamine/contracts';
import type { Logger } from '@ideamine/telemetry';

export interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * A message whose consumer gave up (max_deliver) just stays in its stream on 2.9, with only an
 * advisory. Dead-letter it with the reason; on the work queue also remove it so it cannot clog it.
 */
export async function deadLetterPoison(nats: NatsResources, adv: MaxDeliveriesAdvisory, logger: Logger): Promise<void> {
  const msg = await nats.jsm.streams.getMessage(adv.stream, { seq: adv.stream_seq }).catch(() => undefined);
  if (!msg) {
    logger.warn({ ...adv }, 'poison message already gone; nothing to dead-letter');
    return;
  }
  const reason = `consumer ${adv.consumer} gave up after ${adv.deliveries} deliveries (the handler crashed or timed out each time)`;
  await deadLetter(nats.js, { stream: adv.stream, consumer: adv.consumer, seq: adv.stream_seq, subject: msg.subject, data: msg.data }, reason);
  if (adv.stream === STREAMS.commands) await nats.jsm.streams.deleteMessage(adv.stream, adv.stream_seq, false).catch(() => undefined);
  logger.error({ ...adv, subject: msg.subject }, 'poison message dead-lettered');
}
