/**
 * Given/when/then for deciders (STYLE E2):
 *   given(scheduler, [phaseStarted]).when(taskSucceeded).then([{ type: 'phase.aggregated' }])
 * History is folded with evolve; the input is folded and decided; `then` compares the decided events
 * by type and, when given, a subset of their payload.
 */
import { AnyEventEnvelope, AnyNewEvent, EVENT_CATALOG, EventType, subjects } from '@ideamine/contracts';
import type { AnyDecider, Decision, Fact } from '../decider';
import { fold } from '../run-slot';

export interface FactOptions {
  runId?: string;
  seq?: number;
  occurredAt?: string;
  id?: string;
}

let counter = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** An event as the log would hold it (envelope, sequence, subject), for specs. */
export function fact(ev: AnyNewEvent, opts: FactOptions = {}): Fact {
  const runId = opts.runId ?? 'r1';
  const n = ++counter;
  const event = {
    id: opts.id ?? `0190${hex(n, 4)}-0000-7000-8000-${hex(n, 12)}`,
    type: ev.type, schemaVersion: 1, runId, aggregateId: ev.aggregateId,
    occurredAt: opts.occurredAt ?? '2026-01-01T00:00:00.000Z',
    producer: { service: 'spec', version: '0', instance: 'spec' },
    causationId: null, correlationId: '01900000-0000-7000-8000-000000000000', payload: ev.payload,
  } as AnyEventEnvelope;
  return { event, seq: opts.seq ?? n, subject: subjects.event(runId, EVENT_CATALOG[ev.type].aggregate, ev.aggregateId) };
}

export interface ExpectedEvent {
  type: EventType;
  payload?: Record<string, unknown>;
}

export interface Then<S> {
  decision: Decision;
  /** State after the input and the decided events are folded. */
  state: S;
  then(expected: ExpectedEvent[]): Then<S>;
  thenNothing(): Then<S>;
  /** Continue the story from here. */
  andWhen(input: AnyNewEvent | Fact, extra?: unknown): Then<S>;
}

const asFact = (x: AnyNewEvent | Fact, runId: string): Fact => ('event' in x && 'seq' in x ? x : fact(x as AnyNewEvent, { runId }));

function step<S>(decider: AnyDecider, runId: string, state: S, input: AnyNewEvent | Fact, extra?: unknown): Then<S> {
  const f = asFact(input, runId);
  const observed = fold<S>(decider, state, f);
  const decision = decider.decide(observed, f, extra);
  const after = decision.events.reduce<S>((s, ev) => fold(decider, s, fact(ev, { runId, occurredAt: f.event.occurredAt })), observed);
  const result: Then<S> = {
    decision,
    state: after,
    then(expected) {
      const got = decision.events.map((e, i) => (expected[i]?.payload ? { type: e.type, payload: e.payload } : { type: e.type }));
      expect(got).toEqual(expected.map((e) => (e.payload ? { type: e.type, payload: expect.objectContaining(e.payload) } : { type: e.type })));
      return result;
    },
    thenNothing() {
      expect(decision.events.map((e) => e.type)).toEqual([]);
      return result;
    },
    andWhen: (next, x) => step(decider, runId, after, next, x),
  };
  return result;
}

export function given<S>(decider: AnyDecider, history: (AnyNewEvent | Fact)[], runId = 'r1') {
  const state = history.reduce<S>((s, h) => fold(decider, s, asFact(h, runId)), decider.initialState(runId) as S);
  return {
    state,
    when: (input: AnyNewEvent | Fact, extra?: unknown) => step<S>(decider, runId, state, input, extra),
  };
}
