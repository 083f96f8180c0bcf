import type { AnyEventEnvelope, Producer } from '@ideamine/contracts';
import type { AnyDecider, DeciderIo, Fact } from './decider';
import { classify, fold, newSlot, planDecision, RunSlot } from './run-slot';

/** One message of a run's log as a replay sees it. */
export interface LoggedEvent {
  seq: number;
  subject: string;
  event: AnyEventEnvelope;
  /** The Im-Decision header, when the event was derived by a decider. */
  decision?: string;
}

export interface ReplayResult<S> {
  slot: RunSlot<S>;
  /** Events the decisions imply that the log does not hold (a half-published decision's tail). */
  missing: { type: string; subject: string; id: string }[];
  decisions: number;
}

const REPLAY_PRODUCER: Producer = { service: 'replay', version: '0', instance: 'replay' };

/**
 * Replays a decider over one run's log exactly as its runner does — fold, decide, recognise its own
 * events by id — without publishing anything. `ideamine state` prints the result, and specs use it
 * to check that a replay reaches the state the live decider reached.
 */
export async function replayRun<S>(decider: AnyDecider, runId: string, log: LoggedEvent[], io?: DeciderIo): Promise<ReplayResult<S>> {
  const slot = newSlot<S>(decider, runId);
  const byId = new Map(log.map((m) => [m.event.id, m]));
  const missing: ReplayResult<S>['missing'] = [];
  let decisions = 0;
  for (const m of [...log].sort((a, b) => a.seq - b.seq)) {
    const c = classify(decider, slot, { seq: m.seq, subject: m.subject, type: m.event.type, decision: m.decision });
    slot.pos = m.seq;
    if (c.kind === 'skip' || c.kind === 'confirmation') continue;
    const fact: Fact = { event: m.event, seq: m.seq, subject: m.subject };
    if (c.kind === 'adopt') {
      slot.state = fold(decider, slot.state, fact);
      slot.decisionNo = c.decisionNo;
      slot.decisionIndex = c.index;
      continue;
    }
    const observed = fold<S>(decider, slot.state, fact);
    const extra = decider.enrich && io ? await decider.enrich(observed, fact, io) : undefined;
    const decision = decider.decide(observed, fact, extra);
    slot.state = observed;
    if (!decision.events.length && !decision.commands?.length) continue;
    decisions++;
    const plan = planDecision(decider, slot, fact, decision, REPLAY_PRODUCER);
    for (const p of plan.events) {
      const found = byId.get(p.envelope.id);
      if (!found) missing.push({ type: p.envelope.type, subject: p.subject, id: p.envelope.id });
      const seq = found?.seq ?? Number.MAX_SAFE_INTEGER;
      slot.lastSeq[p.subject] = Math.max(slot.lastSeq[p.subject] ?? 0, found?.seq ?? 0);
      slot.state = fold(decider, slot.state, { event: p.envelope, seq, subject: p.subject });
    }
    slot.decisionNo = plan.decisionNo;
    slot.decisionIndex = plan.events.length - 1;
  }
  return { slot, missing, decisions };
}
