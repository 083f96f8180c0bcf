import { AckPolicy, DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg, nanos, ConsumerConfig } from 'nats';
import { decodeMessage, Envelope, InvalidMessageError } from '@ideamine/contracts';
import { handlerSeconds, messagesHandled, withMessageSpan, Logger } from '@ideamine/telemetry';
import { LeaveUnackedError, PermanentMessageError, RetryLaterError } from './errors';
import { deadLetter, deadLetterSourceOf } from './dead-letter';

export interface DurableConsumerSpec {
  stream: string;
  durable: string;
  filterSubject: string;
  /** evt or cmd: which catalog incoming messages are validated against. */
  family: 'evt' | 'cmd';
  ackWaitMs?: number;
  maxDeliver?: number;
  maxAckPending?: number;
  /** Deliveries before the message is dead-lettered; -1 means unlimited (durable timers). */
  /** Messages handled at once by this process (1 keeps per-consumer order). */
  concurrency?: number;
}

export interface MessageContext {
  msg: JsMsg;
  envelope: Envelope;
  /** Delivery attempt of this message, from 1. */
  delivery: number;
  logger: Logger;
}

export type MessageHandler = (ctx: MessageContext) => Promise<void>;

export interface RunningConsumer {
  stop(): Promise<void>;
}

/** Creates or updates the durable pull consumer so its config always matches the code. */
export async function ensureDurableConsumer(jsm: JetStreamManager, spec: DurableConsumerSpec): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    // Not `backoff`: on 2.9 it silently replaces ack_wait. Retry delays are nak(delay) instead.
    ack_wait: nanos(spec.ackWaitMs ?? 30_000),
    max_deliver: spec.maxDeliver ?? 10,
    max_ack_pending: spec.maxAckPending ?? 256,
  };
  const existing = await jsm.consumers.info(spec.stream, spec.durable).catch(() => undefined);
  if (!existing) {
    await jsm.consumers.add(spec.stream, config).catch(async (err: Error) => {
      if (!/already|exists/i.test(err.message)) throw err;
    });
  } else if (
    existing.config.filter_subject !== config.filter_subject ||
    existing.config.ack_wait !== config.ack_wait ||
    existing.config.max_deliver !== config.max_deliver ||
    existing.config.max_ack_pending !== config.max_ack_pending
  ) {
    await jsm.consumers.update(spec.stream, spec.durable, {
      ack_wait: config.ack_wait, max_deliver: config.max_deliver, max_ack_pending: config.max_ack_pending, filter_subject: config.filter_subject,
    });
  }
}

export function retryDelayMs(delivery: number): number {
  return Math.min(500 * 2 ** Math.max(0, delivery - 1), 30_000);
}

/**
 * Runs a durable pull consumer: explicit ack, working() while a long handler runs, nak(delay) on
 * failure, and a dead letter with the reason for invalid or poison messages so they never block the
 * stream. Survives server restarts: if the pull loop ends it is started again.
 */
export async function runDurableConsumer(
  js: JetStreamClient, jsm: JetStreamManager, spec: DurableConsumerSpec, handler: MessageHandler, logger: Logger,
): Promise<RunningConsumer> {
  await ensureDurableConsumer(jsm, spec);
  const maxDeliver = spec.maxDeliver ?? 10;
  const ackWaitMs = spec.ackWaitMs ?? 30_000;
  const concurrency = Math.max(1, spec.concurrency ?? 1);
  const log = logger.child({ consumer: spec.durable });
  let stopped = false;
  let current: { close(): Promise<void | Error> } | undefined;
  const inFlight = new Set<Promise<void>>();

  const handleOne = async (msg: JsMsg): Promise<void> => {
    const delivery = msg.info.redeliveryCount;
    const endTimer = handlerSeconds.startTimer({ consumer: spec.durable });
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, Math.floor(ackWaitMs / 3)));
    try {
      let envelope: Envelope;
      try {
        envelope = decodeMessage(spec.family, msg.data);
      } catch (err) {
        throw new PermanentMessageError((err as InvalidMessageError).message);
      }
      // The child logger is made only if the handler logs: most messages never need one.
      let ctxLog: Logger | undefined;
      const env = envelope;
      const context: MessageContext = {
        msg, envelope, delivery,
        get logger() {
          return (ctxLog ??= log.child({ runId: env.runId, type: env.type, eventId: env.id, seq: msg.seq }));
        },
      };
      await withMessageSpan(`${spec.durable} ${envelope.type}`, msg.headers, { 'messaging.destination': msg.subject, 'im.run_id': envelope.runId }, () => handler(context));
      msg.ack();
      messagesHandled.inc({ consumer: spec.durable, outcome: 'ack' });
    } catch (err) {
      const e = err as Error;
      if (err instanceof LeaveUnackedError) {
        messagesHandled.inc({ consumer: spec.durable, outcome: 'left' });
        log.warn({ seq: msg.seq, subject: msg.subject, reason: e.message }, 'message left to its newer delivery');
        return;
      }
      const permanent = err instanceof PermanentMessageError;
      if (permanent || (maxDeliver > 0 && delivery >= maxDeliver)) {
        const reason = permanent ? e.message : `gave up after ${delivery} deliveries: ${e.message}`;
        log.error({ seq: msg.seq, subject: msg.subject, reason }, 'dead-lettering message');
        try {
          await deadLetter(js, deadLetterSourceOf(msg), reason);
          msg.term();
          messagesHandled.inc({ consumer: spec.durable, outcome: 'dead-letter' });
        } catch (dlqErr) {
          log.error({ err: dlqErr }, 'dead-lettering failed; will retry');
          msg.nak(retryDelayMs(delivery));
        }
      } else {
        const delay = err instanceof RetryLaterError ? err.delayMs : retryDelayMs(delivery);
        log.warn({ seq: msg.seq, subject: msg.subject, delivery, delay, err: e.message }, 'handler failed; retrying later');
        msg.nak(delay);
        messagesHandled.inc({ consumer: spec.durable, outcome: 'retry' });
      }
    } finally {
      clearInterval(keepAlive);
      endTimer();
    }
  };

  const loop = async () => {
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(spec.stream, spec.durable);
        const messages = await consumer.consume({ max_messages: Math.max(concurrency * 2, 8) });
        current = messages;
        for await (const msg of messages) {
          if (concurrency === 1) {
            await handleOne(msg);
            continue;
          }
          const p = handleOne(msg).finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
      } catch (err) {
        if (stopped) break;
        log.warn({ err: (err as Error).message }, 'consumer loop interrupted; restarting');
        // The consumer may be missing after a server restart with a lost store: recreate it.
        await ensureDurableConsumer(jsm, spec).catch(() => undefined);
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 500));
    }
  };
  const done = loop();

  return {
    async stop() {
      stopped = true;
      await current?.close();
      await Promise.allSettled([...inFlight]);
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
