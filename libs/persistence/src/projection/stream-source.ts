import { DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import { sha256Hex, STREAMS } from '@ideamine/contracts';
import { StreamRegressedError } from '../errors';
import type { Checkpoint } from './checkpoint.entity';
import { msgIdHeader, StreamMessage } from './messages';

/** A stream message whose headers are parsed only if its id is asked for (the last of a batch). */
export class JsStreamMessage implements StreamMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  constructor(private readonly m: JsMsg) {
    this.seq = m.seq;
    this.subject = m.subject;
    this.data = m.data;
  }
  get msgId(): string | undefined {
    return msgIdHeader(this.m.headers);
  }
}

/**
 * Reads IM_EVENTS from `fromSeq` to `toSeq` (inclusive) with an ordered consumer, in batches of up
 * to `batchSize`. The consumer keeps pulling while the caller writes the previous batch, so reading
 * and writing overlap.
 */
export async function* readBatches(
  js: JetStreamClient, fromSeq: number, toSeq: number, batchSize: number, stream: string = STREAMS.events,
): AsyncGenerator<StreamMessage[]> {
  if (toSeq < fromSeq) return;
  const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, fromSeq) });
  const messages = await consumer.consume({ max_messages: Math.max(1000, batchSize * 2) });
  let batch: StreamMessage[] = [];
  try {
    for await (const m of messages) {
      if (m.seq > toSeq) break;
      batch.push(new JsStreamMessage(m));
      const end = m.seq >= toSeq || m.info.pending === 0;
      if (batch.length >= batchSize || end) {
        yield batch;
        batch = [];
      }
      if (end) break;
    }
    if (batch.length) yield batch;
  } finally {
    await messages.close();
  }
}

export async function streamLastSeq(jsm: JetStreamManager, stream: string = STREAMS.events): Promise<number> {
  return (await jsm.streams.info(stream)).state.last_seq;
}

/**
 * Checks that the stream still holds what the checkpoints were built from. A checkpoint past the
 * stream's end, or another message at the checkpoint's sequence, means the stream was replaced
 * (recreated, restored from an older backup): going on would skip or mix events.
 */
export async function checkStreamContinuity(jsm: JetStreamManager, checkpoints: Iterable<Checkpoint>, stream: string = STREAMS.events): Promise<StreamRegressedError | undefined> {
  const last = await streamLastSeq(jsm, stream);
  const checked = new Map<number, string | null>();
  for (const cp of checkpoints) {
    if (cp.lastSeq === 0) continue;
    if (cp.lastSeq > last) return new StreamRegressedError(cp.projection, cp.lastSeq, last, 'the checkpoint is past the end of the stream');
    if (!cp.lastMsgId) continue;
    if (!checked.has(cp.lastSeq)) {
      const msg = await jsm.streams.getMessage(stream, { seq: cp.lastSeq }).catch(() => undefined);
      checked.set(cp.lastSeq, msg ? msgIdHeader(msg.header) ?? `sha256:${sha256Hex(msg.data)}` : null);
    }
    const found = checked.get(cp.lastSeq);
    if (found === null) return new StreamRegressedError(cp.projection, cp.lastSeq, last, `there is no message at seq ${cp.lastSeq} any more`);
    if (found !== cp.lastMsgId) return new StreamRegressedError(cp.projection, cp.lastSeq, last, `the message at seq ${cp.lastSeq} is ${found}, the read models were built with ${cp.lastMsgId}`);
  }
  return undefined;
}
