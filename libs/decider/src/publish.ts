import { headers as natsHeaders, JetStreamClient, JetStreamManager, MsgHdrs, MsgRequest, PubAck } from 'nats';
import { HEADERS, STREAMS, validateMessage } from '@ideamine/contracts';
import { injectTraceContext } from '@ideamine/telemetry';
import { JS_ERR, jsErrCode } from '@ideamine/jetstream';
import type { PlannedEvent } from './run-slot';

/** Another writer put something else where this decision's event belongs (ADR 0005: the log wins). */
export class ForeignDecisionError extends Error {
  readonly code = 'IM_FOREIGN_DECISION';
  constructor(readonly subject: string, readonly expected: string, readonly found: string) {
    super(`${subject} holds event ${found} where this decision's ${expected} belongs: another owner decided differently`);
  }
}

export class PublishGaveUpError extends Error {
  readonly code = 'IM_PUBLISH_GAVE_UP';
}

const TRANSIENT = /timeout|503|no responders|disconnect|closed|connection|reconnect/i;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isTransient(err: unknown): boolean {
  if (jsErrCode(err) !== undefined) return false;
  const e = err as { message?: string; code?: string };
  return TRANSIENT.test(`${e?.message ?? ''} ${e?.code ?? ''}`);
}

/** A JetStream publish that retries while NATS is unreachable (same message id, so never stored twice). */
export async function publishRetrying(
  js: JetStreamClient, subject: string, data: Uint8Array, msgID: string, h: MsgHdrs, expectLast?: number, giveUpAfterMs = 60_000,
): Promise<PubAck> {
  const deadline = Date.now() + giveUpAfterMs;
  let delay = 100;
  for (;;) {
    try {
      return await js.publish(subject, data, { msgID, headers: h, timeout: 5000, ...(expectLast !== undefined ? { expect: { lastSubjectSequence: expectLast } } : {}) });
    } catch (err) {
      if (!isTransient(err) || Date.now() > deadline) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

function eventHeaders(p: PlannedEvent): MsgHdrs {
  const h = natsHeaders();
  h.set(HEADERS.eventType, p.envelope.type);
  h.set(HEADERS.runId, p.envelope.runId);
  if (p.decision) h.set(HEADERS.decision, p.decision);
  injectTraceContext(h);
  return h;
}

/**
 * Publishes the events of one decision, in decision order, each with
 * Nats-Expected-Last-Subject-Sequence set to what this decider knows of its subject. Publishes from
 * one connection are stored in the order they are sent, so events go out back to back (one round
 * trip) until one shares a subject with an earlier event of the decision: its expected sequence is
 * that event's, so the batch is awaited first. When a subject moved, the next message on it tells
 * why: the same event id means this decision was already (partly) published — by a crashed
 * predecessor or a stale twin — and counts as published; anything else is a foreign decision.
 * Returns the stream sequence of every event, in input order, and updates `lastSeq`.
 */
export async function publishDecisionEvents(
  js: JetStreamClient, jsm: JetStreamManager, planned: PlannedEvent[], lastSeq: Record<string, number>, validate = false,
): Promise<number[]> {
  const seqs = new Array<number>(planned.length);
  const publishOne = async (i: number) => {
    const p = planned[i];
    const data = Buffer.from(JSON.stringify(p.envelope));
    let expected = lastSeq[p.subject] ?? 0;
    for (;;) {
      try {
        seqs[i] = (await publishRetrying(js, p.subject, data, p.envelope.id, eventHeaders(p), expected)).seq;
        break;
      } catch (err) {
        if (jsErrCode(err) !== JS_ERR.wrongLastSequence) throw err;
        const r = await resolveConflict(jsm, p.subject, expected, p.envelope.id);
        if ('found' in r) {
          seqs[i] = r.found;
          break;
        }
        expected = r.retryAfter;
      }
    }
    lastSeq[p.subject] = Math.max(lastSeq[p.subject] ?? 0, seqs[i]);
  };
  let batch: Promise<void>[] = [];
  const inBatch = new Set<string>();
  for (const [i, p] of planned.entries()) {
    if (validate) validateMessage('evt', p.envelope);
    if (inBatch.has(p.subject)) {
      await Promise.all(batch);
      batch = [];
      inBatch.clear();
    }
    inBatch.add(p.subject);
    batch.push(publishOne(i));
  }
  await Promise.all(batch);
  return seqs;
}

/**
 * Why the subject moved past `after`: walks the messages after it. Our own id → already published.
 * Events a tick or an intake injected (no Im-Decision header) are stepped over: the decision goes
 * after them, as a replay will find it. A different derived event is a foreign decision.
 */
async function resolveConflict(jsm: JetStreamManager, subject: string, after: number, id: string): Promise<{ found: number } | { retryAfter: number }> {
  let cursor = after;
  for (;;) {
    let m;
    try {
      // STREAM.MSG.GET takes next_by_subj on 2.9 too, though nats.js types it for direct get only.
      m = await jsm.streams.getMessage(STREAMS.events, { next_by_subj: subject, seq: cursor + 1 } as unknown as MsgRequest);
    } catch (err) {
      if (jsErrCode(err) === JS_ERR.noMessageFound) return { retryAfter: cursor };
      throw err;
    }
    let foundId = '?';
    try {
      foundId = (JSON.parse(Buffer.from(m.data).toString('utf8')) as { id?: string }).id ?? '?';
    } catch {
      /* not an envelope: certainly not ours */
    }
    if (foundId === id) return { found: m.seq };
    if (m.header?.get(HEADERS.decision)) throw new ForeignDecisionError(subject, id, foundId);
    cursor = m.seq;
  }
}

/** Publishes injected events (ticks): OCC against the subject's known tail, and a taken slot just means someone injected first. */
export async function publishInjected(
  js: JetStreamClient, planned: PlannedEvent, expectLast: number,
): Promise<{ seq: number } | { conflict: true }> {
  try {
    const ack = await publishRetrying(js, planned.subject, Buffer.from(JSON.stringify(planned.envelope)), planned.envelope.id, eventHeaders(planned), expectLast);
    return { seq: ack.seq };
  } catch (err) {
    if (jsErrCode(err) === JS_ERR.wrongLastSequence) return { conflict: true };
    throw err;
  }
}
