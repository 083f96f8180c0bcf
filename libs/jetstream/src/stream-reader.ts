import { DeliverPolicy, JetStreamClient, JsMsg } from 'nats';

/**
 * Reads a stream (optionally filtered) from a sequence up to its current end with an ordered
 * consumer, then stops. Used to rebuild state and read models from the source of truth.
 */
export async function* readStream(
  js: JetStreamClient, stream: string, opts: { filterSubject?: string; fromSeq?: number; idleMs?: number } = {},
): AsyncGenerator<JsMsg> {
  const consumer = await js.consumers.get(stream, {
    ...(opts.filterSubject ? { filterSubjects: opts.filterSubject } : {}),
    // Always StartSequence: an ordered consumer with an explicit DeliverPolicy.All hangs (nats.js #113).
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, opts.fromSeq ?? 1),
  });
  const info = await consumer.info(true);
  let remaining = info.num_pending;
  if (remaining === 0) return;
  const messages = await consumer.consume({ max_messages: 256 });
  try {
    for await (const m of messages) {
      yield m;
      remaining = m.info.pending;
      if (remaining === 0) break;
    }
  } finally {
    await messages.close();
  }
}

/**
 * Follows a stream from a sequence forever (ordered consumer: resets itself across server restarts).
 * The caller stores its own position; nothing is acked.
 */
export async function followStream(
  js: JetStreamClient, stream: string, opts: { filterSubject?: string; fromSeq: number },
  onMessage: (m: JsMsg) => Promise<void>,
): Promise<{ stop(): Promise<void> }> {
  const consumer = await js.consumers.get(stream, {
    ...(opts.filterSubject ? { filterSubjects: opts.filterSubject } : {}),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, opts.fromSeq),
  });
  const messages = await consumer.consume({ max_messages: 512 });
  const done = (async () => {
    for await (const m of messages) await onMessage(m);
  })();
  return {
    async stop() {
      await messages.close();
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
