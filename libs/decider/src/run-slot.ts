import {
  AggregateKind, AnyEventEnvelope, decisionEventId, EVENT_CATALOG, EventType, HEADERS, keyedEventId, Producer, subjects,
} from '@ideamine/contracts';
import type { AnyDecider, DecidedCommand, Decision, Fact, TickEvent } from './decider';

/**
 * Everything a decider keeps about one run: the folded state plus the bookkeeping that makes
 * replay exact. Plain data, so it snapshots as JSON.
 */
export interface RunSlot<S = unknown> {
  runId: string;
  state: S;
  /** Last stream sequence applied to this run; a replay skips everything at or below it. */
  pos: number;
  /** Last sequence of each subject this decider writes for the run (optimistic concurrency). */
  lastSeq: Record<string, number>;
  /** Non-empty decisions taken for this run so far; derived event ids and the Im-Decision header carry it. */
  decisionNo: number;
  /** Index of the last event of decision `decisionNo` folded so far (-1: none; absent: all of them). */
  decisionIndex?: number;
}

export const newSlot = <S>(decider: AnyDecider, runId: string): RunSlot<S> => ({
  runId, state: decider.initialState(runId) as S, pos: 0, lastSeq: {}, decisionNo: 0, decisionIndex: -1,
});

/** How a message of the log relates to a decider. */
export type Classified =
  | { kind: 'skip' }
  /** An event this decider derived and has already folded (or a late duplicate of one). */
  | { kind: 'confirmation' }
  /** Derived by another owner of the run with a decision this one did not take: fold it, the log wins. */
  | { kind: 'adopt'; decisionNo: number; index: number }
  /** An input: fold it, then decide. */
  | { kind: 'input' };

export interface RawMessage {
  seq: number;
  subject: string;
  /** Im-Event-Type header (absent on foreign or malformed messages). */
  type?: string;
  /** Im-Decision header: `<decision number>.<index>` on derived events. */
  decision?: string;
}

/** `im.evt.<runId>.<kind>.<id>` → its parts, or undefined for anything else. */
export function subjectParts(subject: string): { runId: string; kind: string; id: string } | undefined {
  const p = subject.split('.');
  if (p.length !== 5 || p[0] !== 'im' || p[1] !== 'evt') return undefined;
  return { runId: p[2], kind: p[3], id: p[4] };
}

/** Decides, from the subject and headers only (no JSON parsing), what a message is to this decider. */
export function classify(decider: AnyDecider, slot: RunSlot, m: RawMessage): Classified {
  const parts = subjectParts(m.subject);
  if (!parts) return { kind: 'skip' };
  const own = (decider.owns as readonly string[]).includes(parts.kind);
  if (own) slot.lastSeq[m.subject] = Math.max(slot.lastSeq[m.subject] ?? 0, m.seq);
  if (own && m.decision) {
    const [n, i] = m.decision.split('.').map((x) => Number.parseInt(x, 10));
    // Folded when it was committed (or a late copy of it): (n, i) at or before the last folded event.
    if (n < slot.decisionNo || (n === slot.decisionNo && i <= (slot.decisionIndex ?? Number.MAX_SAFE_INTEGER))) return { kind: 'confirmation' };
    if (!Number.isInteger(n) || !Number.isInteger(i) || !m.type || !decider.observes.has(m.type as EventType)) return { kind: 'confirmation' };
    return { kind: 'adopt', decisionNo: n, index: i };
  }
  if (!m.type || !decider.observes.has(m.type as EventType)) return { kind: 'skip' };
  return { kind: 'input' };
}

/** An event of a decision, ready to publish. */
export interface PlannedEvent {
  subject: string;
  envelope: AnyEventEnvelope;
  /** Value of the Im-Decision header. */
  decision: string;
}

export interface PlannedCommand {
  command: DecidedCommand;
  id: string;
}

/**
 * Envelopes for a decision: ids from (decider, run, decision number, index, content) and occurredAt
 * from the input, so re-deriving the decision gives byte-identical events.
 */
export function planDecision(
  decider: AnyDecider, slot: RunSlot, input: Fact, decision: Decision, producer: Producer,
): { decisionNo: number; events: PlannedEvent[]; commands: PlannedCommand[] } {
  const decisionNo = slot.decisionNo + 1;
  const scope = `${decider.service}:${slot.runId}`;
  const events = decision.events.map((ev, index): PlannedEvent => {
    const kind = EVENT_CATALOG[ev.type].aggregate as AggregateKind;
    if (!(decider.owns as readonly string[]).includes(kind)) throw new Error(`${decider.service} may not publish ${ev.type} (aggregate ${kind})`);
    const envelope = {
      id: decisionEventId(input.event.id, scope, decisionNo, index, ev),
      type: ev.type,
      schemaVersion: 1,
      runId: slot.runId,
      aggregateId: ev.aggregateId,
      occurredAt: input.event.occurredAt,
      producer,
      causationId: input.event.id,
      correlationId: input.event.correlationId,
      payload: ev.payload,
    } as AnyEventEnvelope;
    return { subject: subjects.event(slot.runId, kind, ev.aggregateId), envelope, decision: `${decisionNo}.${index}` };
  });
  const ts = Date.parse(input.event.occurredAt);
  const commands = (decision.commands ?? []).map((command) => ({ command, id: keyedEventId(`${scope}:cmd:${command.name}:${command.key}`, ts) }));
  return { decisionNo, events, commands };
}

/** Envelopes for events a tick injects: one id per key, so injecting twice stores one. */
export function planInjected(decider: AnyDecider, runId: string, ticks: TickEvent[], producer: Producer, nowMs: number): PlannedEvent[] {
  return ticks.map(({ key, atMs, event: ev }) => {
    const kind = EVENT_CATALOG[ev.type].aggregate as AggregateKind;
    const envelope = {
      id: keyedEventId(`${decider.service}:${runId}:${key}`, atMs),
      type: ev.type, schemaVersion: 1, runId, aggregateId: ev.aggregateId, occurredAt: new Date(nowMs).toISOString(),
      producer, causationId: null, correlationId: keyedEventId(`${decider.service}:${runId}`, 0), payload: ev.payload,
    } as AnyEventEnvelope;
    return { subject: subjects.event(runId, kind, ev.aggregateId), envelope, decision: '' };
  });
}

/** Folds one fact; ignores facts of types the decider does not observe. */
export function fold<S>(decider: AnyDecider, state: S, fact: Fact): S {
  return decider.observes.has(fact.event.type) ? (decider.evolve(state, fact) as S) : state;
}

export const headerOf = (headers: { get(k: string): string } | undefined, key: string) => headers?.get(key) || undefined;
export const HEADER_KEYS = { type: HEADERS.eventType, decision: HEADERS.decision } as const;
