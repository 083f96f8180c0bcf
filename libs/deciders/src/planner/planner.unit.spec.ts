import { AnyNewEvent, newEvent } from '@ideamine/contracts';
import { artifactRef, IDEA, phaseConfig } from '@ideamine/contracts/testing';
import { given } from '@ideamine/decider/testing';
import { plannerDecider } from './planner.decider';
import type { RunState } from './state';

const budget = { tokens: 1000, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };
const phases = [
  phaseConfig('intake'),
  phaseConfig('security', { dependsOn: ['intake'] }),
  phaseConfig('story-loop', { dependsOn: ['intake'] }),
  phaseConfig('qa', { dependsOn: ['security', 'story-loop'] }),
];
const requested = (b = budget, ps = phases) => newEvent('run.requested', '_', { input: IDEA, budget: b, configSet: 'default', phases: ps });
const passed = (phase: string, gateAttempt = 1) => newEvent('gate.passed', phase, { phase, gateAttempt, score: 0.9, evidencePack: artifactRef(phase), waived: false });
const failedGate = (final: boolean) => newEvent('gate.failed', 'intake', { phase: 'intake', gateAttempt: 3, score: 0.2, reasons: ['coverage: 1 of at least 5'], final });
const command = (payload: Extract<AnyNewEvent, { type: 'command.received' }>['payload']) => newEvent('command.received', 'planner', payload);
const aggregated = (phase: string, tokens: number, gateAttempt = 1) =>
  newEvent('phase.aggregated', phase, { phase, gateAttempt, evidencePack: artifactRef(phase), taskCount: 1, usage: { tokens, usd: 0, toolMinutes: 0, wallclockMs: 1 } });
const add = (tokens: number) => ({ tokens, usd: 0, toolMinutes: 0, wallclockMinutes: 0 });

/** The events the planner itself published for a requested run, as history for the next input. */
const planned = (b = budget) => given<RunState>(plannerDecider, []).when(requested(b)).decision.events;
const history = (b = budget) => [requested(b), ...planned(b)];

describe('planner decider', () => {
  it('plans the run and starts only the root phases', () => {
    given<RunState>(plannerDecider, []).when(requested()).then([
      { type: 'run.planned', payload: { levels: [['intake'], ['security', 'story-loop'], ['qa']], criticalPath: ['intake', 'security', 'qa'] } },
      { type: 'run.started' },
      { type: 'phase.started', payload: { phase: 'intake', upstream: [] } },
    ]);
  });

  it('ignores a second run.requested', () => {
    given<RunState>(plannerDecider, history()).when(requested()).thenNothing();
  });

  it('fails a run whose DAG is invalid instead of planning it', () => {
    given<RunState>(plannerDecider, []).when(requested(budget, [phaseConfig('a', { dependsOn: ['b'] }), phaseConfig('b', { dependsOn: ['a'] })]))
      .then([{ type: 'run.failed' }]);
  });

  it('starts independent phases together and joins them before qa, then completes the run', () => {
    const story = given<RunState>(plannerDecider, history())
      .when(passed('intake')).then([{ type: 'phase.completed', payload: { phase: 'intake' } }, { type: 'phase.started', payload: { phase: 'security' } }, { type: 'phase.started', payload: { phase: 'story-loop' } }])
      .andWhen(passed('security')).then([{ type: 'phase.completed', payload: { phase: 'security' } }])
      .andWhen(passed('story-loop')).then([{ type: 'phase.completed', payload: { phase: 'story-loop' } }, { type: 'phase.started', payload: { phase: 'qa' } }]);
    const qa = story.decision.events[1].payload as { upstream: { phase: string }[] };
    expect(qa.upstream.map((u) => u.phase)).toEqual(['intake', 'security', 'story-loop']);
    const done = story.andWhen(passed('qa')).then([{ type: 'phase.completed' }, { type: 'run.completed', payload: { phases: ['intake', 'qa', 'security', 'story-loop'] } }]);
    expect(done.state.status).toBe('completed');
    done.andWhen(passed('qa')).thenNothing();
  });

  it('fails the run only on a final gate failure', () => {
    given<RunState>(plannerDecider, history()).when(failedGate(false)).thenNothing();
    given<RunState>(plannerDecider, history()).when(failedGate(true)).then([{ type: 'phase.failed', payload: { phase: 'intake' } }, { type: 'run.failed', payload: { phase: 'intake' } }]);
  });

  it('pauses on request, holds back phases while paused and starts them on resume', () => {
    given<RunState>(plannerDecider, history())
      .when(command({ command: 'pause-run', payload: { reason: 'ops', requestedBy: 't' } })).then([{ type: 'run.paused' }])
      .andWhen(passed('intake')).then([{ type: 'phase.completed' }])
      .andWhen(command({ command: 'resume-run', payload: { reason: 'ops', requestedBy: 't' } }))
      .then([{ type: 'run.resumed' }, { type: 'phase.started', payload: { phase: 'security' } }, { type: 'phase.started', payload: { phase: 'story-loop' } }]);
  });

  it('extends the budget of a paused run and resumes it', () => {
    given<RunState>(plannerDecider, history())
      .when(command({ command: 'pause-run', payload: { reason: 'budget', requestedBy: 't' } }))
      .andWhen(command({ command: 'extend-budget', payload: { add: add(5), requestedBy: 't' } }))
      .then([{ type: 'budget.extended', payload: { newLimit: { ...budget, tokens: 1005 } } }, { type: 'run.resumed' }]);
  });

  it('cancels an active run once and then ignores its gates', () => {
    given<RunState>(plannerDecider, history())
      .when(command({ command: 'cancel-run', payload: { reason: 'no longer needed', requestedBy: 't' } })).then([{ type: 'run.cancelled' }])
      .andWhen(command({ command: 'cancel-run', payload: { reason: 'again', requestedBy: 't' } })).thenNothing()
      .andWhen(passed('intake')).thenNothing();
  });

  it('ignores commands for runs it never saw, and commands addressed to other services', () => {
    const t = given<RunState>(plannerDecider, []).when(command({ command: 'cancel-run', payload: { reason: 'x', requestedBy: 't' } }));
    t.thenNothing();
    expect(t.decision.ignored).toMatch(/cancel of a none run/);
    given<RunState>(plannerDecider, history()).when(newEvent('command.received', 'gatekeeper', { command: 'grant-waiver', payload: { phase: 'intake', guard: 'coverage', reason: 'x', expiresAt: '2030-01-01T00:00:00Z', requestedBy: 't' } })).thenNothing();
  });
});

describe('planner budgets', () => {
  const small = { tokens: 100, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };

  it('caps a phase budget by what the run has left', () => {
    const t = given<RunState>(plannerDecider, []).when(requested(small));
    expect((t.decision.events[2].payload as { budget: { tokens: number } }).budget.tokens).toBe(100);
  });

  it('counts usage once per gate attempt and pauses instead of starting phases once the run budget is spent', () => {
    const t = given<RunState>(plannerDecider, [...history(small), aggregated('intake', 80), aggregated('intake', 80), aggregated('intake', 30, 2)]);
    expect(t.state.usage.tokens).toBe(110);
    const paused = t.when(passed('intake', 2)).then([
      { type: 'phase.completed' }, { type: 'budget.exhausted', payload: { scope: 'run', dimension: 'tokens', limit: 100, used: 110 } }, { type: 'run.paused' },
    ]);
    paused.andWhen(command({ command: 'extend-budget', payload: { add: add(1000), requestedBy: 't' } }))
      .then([{ type: 'budget.extended' }, { type: 'run.resumed' }, { type: 'phase.started', payload: { phase: 'security', budget: { ...phaseConfig('x').budgets, tokens: 990, usd: 1 } } }, { type: 'phase.started' }]);
  });

  it('pauses the run when an agent runs out of budget', () => {
    const failed = newEvent('task.failed', 't1', { taskId: 't1', phase: 'intake', agent: 'AgentA', attempt: 1, errorClass: 'budget', retryable: false, message: 'x', budgetExceeded: { dimension: 'tokens', limit: 50, used: 70 } });
    given<RunState>(plannerDecider, history(small)).when(failed)
      .then([{ type: 'budget.exhausted', payload: { scope: 'agent', phase: 'intake', agent: 'AgentA' } }, { type: 'run.paused' }])
      .andWhen(failed).thenNothing();
  });
});
