import type { NewEvent } from '@ideamine/contracts';
import { phaseConfig, artifactRef } from '../../../../test/fixtures/phase-config';
import { decide, observe, PlannerInput } from './decide';
import { evolve } from './evolve';
import { initialRunState, RunState } from './state';

const budget = { tokens: 1000, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };
const phases = [
  phaseConfig('intake'),
  phaseConfig('security', { dependsOn: ['intake'] }),
  phaseConfig('story-loop', { dependsOn: ['intake'] }),
  phaseConfig('qa', { dependsOn: ['security', 'story-loop'] }),
];
const submit: PlannerInput = { kind: 'submit-run', payload: { input: { idea: 'x', targetUsers: [], constraints: [] }, requestedBy: 't' }, phases, defaultBudget: budget };
const passed = (phase: string, gateAttempt = 1): PlannerInput => ({ kind: 'gate.passed', payload: { phase, gateAttempt, score: 0.9, evidencePack: artifactRef(phase), waived: false } });

function step(state: RunState, input: PlannerInput): [RunState, NewEvent[]] {
  const events = decide(state, input);
  return [events.reduce(evolve, state), events];
}
const types = (events: NewEvent[]) => events.map((e) => `${e.type}${'phase' in (e.payload as object) ? `:${(e.payload as { phase: string }).phase}` : ''}`);

describe('planner decide', () => {
  it('plans the run and starts only the root phases', () => {
    const [, events] = step(initialRunState('r1'), submit);
    expect(types(events)).toEqual(['run.requested', 'run.planned', 'run.started', 'phase.started:intake']);
  });

  it('ignores a duplicate submit', () => {
    const [s] = step(initialRunState('r1'), submit);
    expect(decide(s, submit)).toEqual([]);
  });

  it('starts independent phases together and joins them before qa', () => {
    let [s] = step(initialRunState('r1'), submit);
    let events: NewEvent[];
    [s, events] = step(s, passed('intake'));
    expect(types(events)).toEqual(['phase.completed:intake', 'phase.started:security', 'phase.started:story-loop']);
    [s, events] = step(s, passed('security'));
    expect(types(events)).toEqual(['phase.completed:security']);
    [s, events] = step(s, passed('story-loop'));
    expect(types(events)).toEqual(['phase.completed:story-loop', 'phase.started:qa']);
    const qaStart = events[1].payload as { upstream: { phase: string }[] };
    expect(qaStart.upstream.map((u) => u.phase)).toEqual(['intake', 'security', 'story-loop']);
    [s, events] = step(s, passed('qa'));
    expect(types(events)).toEqual(['phase.completed:qa', 'run.completed']);
    expect(s.status).toBe('completed');
    expect(decide(s, passed('qa'))).toEqual([]);
  });

  it('fails the run only on a final gate failure', () => {
    const [s] = step(initialRunState('r1'), submit);
    const fail = (final: boolean): PlannerInput => ({ kind: 'gate.failed', payload: { phase: 'intake', gateAttempt: 3, score: 0.2, reasons: ['coverage: 1 of at least 5'], final } });
    expect(decide(s, fail(false))).toEqual([]);
    expect(types(decide(s, fail(true)))).toEqual(['phase.failed:intake', 'run.failed:intake']);
  });

  it('holds new phases while paused and starts them on resume', () => {
    let [s] = step(initialRunState('r1'), submit);
    let events: NewEvent[];
    [s, events] = step(s, { kind: 'pause-run', payload: { reason: 'ops', requestedBy: 't' } });
    expect(types(events)).toEqual(['run.paused']);
    [s, events] = step(s, passed('intake'));
    expect(types(events)).toEqual(['phase.completed:intake']);
    [s, events] = step(s, { kind: 'resume-run', payload: { reason: 'ops', requestedBy: 't' } });
    expect(types(events)).toEqual(['run.resumed', 'phase.started:security', 'phase.started:story-loop']);
  });

  it('extending the budget of a paused run resumes it', () => {
    let [s] = step(initialRunState('r1'), submit);
    [s] = step(s, { kind: 'pause-run', payload: { reason: 'budget', requestedBy: 't' } });
    const events = decide(s, { kind: 'extend-budget', payload: { add: { tokens: 5, usd: 0, toolMinutes: 0, wallclockMinutes: 0 }, requestedBy: 't' } });
    expect(types(events)).toEqual(['budget.extended', 'run.resumed']);
    expect((events[0].payload as { newLimit: { tokens: number } }).newLimit.tokens).toBe(1005);
  });

  it('cancels an active run once', () => {
    const [started] = step(initialRunState('r1'), submit);
    const [s, events] = step(started, { kind: 'cancel-run', payload: { reason: 'no longer needed', requestedBy: 't' } });
    expect(types(events)).toEqual(['run.cancelled']);
    expect(decide(s, { kind: 'cancel-run', payload: { reason: 'again', requestedBy: 't' } })).toEqual([]);
    expect(decide(s, passed('intake'))).toEqual([]);
  });
});

describe('planner budgets', () => {
  const small = { ...submit, payload: { ...submit.payload, budget: { tokens: 100, usd: 1, toolMinutes: 1, wallclockMinutes: 1 } } } as PlannerInput;
  const aggregated = (phase: string, tokens: number, gateAttempt = 1): PlannerInput => ({ kind: 'phase.aggregated', payload: { phase, gateAttempt, evidencePack: artifactRef(phase), taskCount: 1, usage: { tokens, usd: 0, toolMinutes: 0, wallclockMs: 1 } } });
  const observeStep = (s: RunState, i: PlannerInput): [RunState, NewEvent[]] => step(observe(s, i), i);

  it('caps a phase budget by what the run has left', () => {
    const [, events] = step(initialRunState('r1'), small);
    expect((events[3].payload as { budget: { tokens: number } }).budget.tokens).toBe(100);
  });

  it('counts usage once per gate attempt and pauses instead of starting phases once the run budget is spent', () => {
    let [s] = step(initialRunState('r1'), small);
    [s] = observeStep(s, aggregated('intake', 80));
    [s] = observeStep(s, aggregated('intake', 80));
    expect(s.usage.tokens).toBe(80);
    [s] = observeStep(s, aggregated('intake', 30, 2));
    const [paused, events] = step(s, passed('intake', 2));
    expect(types(events)).toEqual(['phase.completed:intake', 'budget.exhausted', 'run.paused']);
    expect(events[1].payload).toMatchObject({ scope: 'run', dimension: 'tokens', limit: 100, used: 110 });
    const [, resumed] = step(paused, { kind: 'extend-budget', payload: { add: { tokens: 1000, usd: 0, toolMinutes: 0, wallclockMinutes: 0 }, requestedBy: 't' } });
    expect(types(resumed)).toEqual(['budget.extended', 'run.resumed', 'phase.started:security', 'phase.started:story-loop']);
    expect((resumed[2].payload as { budget: { tokens: number } }).budget.tokens).toBe(990);
  });

  it('pauses on an agent budget failure and parks the task for a retry after the extension', () => {
    const [s] = step(initialRunState('r1'), small);
    const failed: PlannerInput = { kind: 'task.failed', payload: { taskId: 't1', phase: 'intake', agent: 'AgentA', attempt: 1, errorClass: 'budget', retryable: false, message: 'x', budgetExceeded: { dimension: 'tokens', limit: 50, used: 70 } } };
    const [paused, events] = observeStep(s, failed);
    expect(types(events)).toEqual(['budget.exhausted:intake', 'run.paused']);
    expect(paused.parked).toEqual([{ phase: 'intake', taskId: 't1', attempt: 1 }]);
    expect(observeStep(paused, failed)[1]).toEqual([]);
    const [after] = step(paused, { kind: 'extend-budget', payload: { add: { tokens: 1000, usd: 0, toolMinutes: 0, wallclockMinutes: 0 }, requestedBy: 't' } });
    expect(after.parked).toEqual([]);
    expect(after.status).toBe('running');
  });
});
