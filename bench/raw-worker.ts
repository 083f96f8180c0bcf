/**
 * The raw baseline's worker, in a process of its own (as a service would be): a durable pull
 * consumer on the work-queue stream, at most 64 messages in flight (the consumer's
 * max_ack_pending), each answered by a completion published to a second stream. Publishes are
 * pipelined: a message is acked when its completion's publish is acknowledged, without waiting
 * for the one before it, so the worker's event loop is never idle while messages are in flight.
 *
 * Spawned by bench/raw-baseline.ts: node dist/bench/raw-worker.js <natsUrl>. Prints "ready" once
 * consuming, exits on SIGTERM.
 */
import { connect } from 'nats';
import { RAW } from './raw-protocol';

async function main() {
  const url = process.argv[2];
  if (!url) throw new Error('usage: raw-worker <natsUrl>');
  const nc = await connect({ servers: url, name: 'bench-raw-worker', noAsyncTraces: true });
  const js = nc.jetstream();
  const consumer = await js.consumers.get(RAW.workStream, RAW.durable);
  const messages = await consumer.consume({ max_messages: RAW.inFlight });
  const stop = async () => {
    await messages.close();
    await nc.drain();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.stdout.write('ready\n');
  for await (const m of messages) {
    // The task's key travels in the subject; the completion echoes it.
    const key = m.subject.slice(RAW.workPrefix.length);
    js.publish(`${RAW.donePrefix}${key}`, m.data).then(
      () => m.ack(),
      () => m.nak(),
    );
  }
}

main().catch((err) => {
  console.error(`raw-worker: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
