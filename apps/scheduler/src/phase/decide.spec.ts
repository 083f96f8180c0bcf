import type { EventPayload, PhaseConfig } from '@ideamine/contracts';
import { phaseConfig, artifactRef } from '../../../../test/fixtures/phase-config';
import { decide, SchedulerDecision } from './decide';
import { initialPhaseRunState, PhaseRunState } from './state';
import { splitBudget } from '@ideamine/contracts';
import { shardItems } from './task-plan';

const idea = { idea: 'x', targetUsers: [], constraints: [] };
const start = (config: PhaseConfig) => decide(initialPhaseRunState('r1', config.phase), { kind: 'phase.started', payload: { phase: config.phase, config, input: idea, upstream: [], budget: config.budgets } });
const usage = { tokens: 10, usd: 0, toolMinutes: 0, wallclockMs: 5 };
const succeed = (s: PhaseRunState, taskId: string): SchedulerDecision => {
  const t = s.tasks.find((x) => x.taskId === taskId)!;
  const payload: EventPayload<'task.succeeded'> = { taskId, phase: s.phase, agent: t.agent, attempt: 1, result: artifactRef(taskId.slice(2, 10), 'task-result'), usage, replayed: false };
  return decide(s, { kind: 'task.succeeded', payload });
};
const agents = (d: SchedulerDecision) => d.commands.map((c) => `${c.agent}@${c.iteration}`);

describe('scheduler decide', () => {
  it('parallel dispatches every agent at once with distinct idempotence keys', () => {
    const d = start(phaseConfig('p', { agents: ['A', 'B', 'C'] }));
    expect(agents(d)).toEqual(['A@0', 'B@0', 'C@0']);
    expect(new Set(d.commands.map((c) => c.idempotenceKey)).size).toBe(3);
    expect(d.events.map((e) => e.type)).toEqual(['task.scheduled', 'task.scheduled', 'task.scheduled']);
  });

  it('sequential runs one agent at a time and hands it the earlier results', () => {
    let d = start(phaseConfig('p', { parallelism: 'sequential', agents: ['A', 'B'] }));
    expect(agents(d)).toEqual(['A@0']);
    d = succeed(d.next, d.commands[0].taskId);
    expect(agents(d)).toEqual(['B@0']);
    expect((d.commands[0].input as { previous: { agent: string }[] }).previous.map((p) => p.agent)).toEqual(['A']);
    d = succeed(d.next, d.commands[0].taskId);
    expect(d.aggregate).toBe(true);
  });

  it('N-at-a-time keeps at most N in flight', () => {
    let d = start(phaseConfig('p', { parallelism: 2, agents: ['A', 'B', 'C', 'D'] }));
    expect(agents(d)).toEqual(['A@0', 'B@0']);
    d = succeed(d.next, d.commands[0].taskId);
    expect(agents(d)).toEqual(['C@0']);
  });

  it('iterative runs round after round, each seeing the previous rounds', () => {
    let d = start(phaseConfig('p', { parallelism: 'iterative', iterations: 2, agents: ['A', 'B'] }));
    expect(agents(d)).toEqual(['A@0', 'B@0']);
    const [a, b] = d.commands;
    d = succeed(d.next, a.taskId);
    expect(d.commands).toEqual([]);
    d = succeed(d.next, b.taskId);
    expect(agents(d)).toEqual(['A@1', 'B@1']);
    expect((d.commands[0].input as { previous: unknown[] }).previous).toHaveLength(2);
  });

  it('ignores duplicates and results of unknown tasks', () => {
    const d = start(phaseConfig('p', { agents: ['A'] }));
    expect(start(phaseConfig('p')).next.status).toBe('running');
    expect(decide(d.next, { kind: 'phase.started', payload: { phase: 'p', config: phaseConfig('p'), input: idea, upstream: [], budget: phaseConfig('p').budgets } }).commands).toEqual([]);
    const once = succeed(d.next, d.commands[0].taskId);
    expect(once.aggregate).toBe(true);
    expect(succeed(once.next, d.commands[0].taskId).events).toEqual([]);
  });

  it('an auto-fix re-plans every task under the next gate attempt with new keys', () => {
    let d = start(phaseConfig('p', { agents: ['A'] }));
    const first = d.commands[0];
    d = succeed(d.next, first.taskId);
    d = decide(d.next, { kind: 'autofix.requested', payload: { phase: 'p', gateAttempt: 1, strategy: 'rerun-qav', reasons: [] } });
    expect(d.events[0].type).toBe('autofix.started');
    expect(d.commands[0].gateAttempt).toBe(2);
    expect(d.commands[0].idempotenceKey).not.toBe(first.idempotenceKey);
  });

  it('a quarantined task lets the phase fan in what succeeded', () => {
    let d = start(phaseConfig('p', { agents: ['A', 'B'] }));
    const [a, b] = d.commands;
    d = succeed(d.next, a.taskId);
    d = decide(d.next, { kind: 'task.quarantined', payload: { taskId: b.taskId, phase: 'p', agent: 'B', attempt: 3, reason: 'fatal' } });
    expect(d.aggregate).toBe(true);
  });

  it('splits budgets and shards work', () => {
    expect(splitBudget({ tokens: 1000, usd: 1, toolMinutes: 9, wallclockMinutes: 30 }, 3)).toEqual({ tokens: 333, usd: 0.33, toolMinutes: 3, wallclockMinutes: 30 });
    expect(shardItems([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('scheduler retries', () => {
  it('re-sends a task with the same idempotence key, a new attempt and any budget added for it', () => {
    const d = start(phaseConfig('p', { agents: ['A', 'B'] }));
    const a = d.commands[0];
    const extra = { tokens: 500, usd: 0.5, toolMinutes: 1, wallclockMinutes: 10 };
    const r = decide(d.next, { kind: 'retry-task', payload: { phase: 'p', taskId: a.taskId, attempt: 2, extraBudget: extra, requestedBy: 'planner' } });
    expect(r.commands).toHaveLength(1);
    expect(r.commands[0]).toMatchObject({ taskId: a.taskId, attempt: 2, idempotenceKey: a.idempotenceKey });
    expect(r.commands[0].budget.tokens).toBe(a.budget.tokens + 500);
    const again = decide(r.next, { kind: 'retry-task', payload: { phase: 'p', taskId: a.taskId, attempt: 3, extraBudget: extra, requestedBy: 'planner' } });
    expect(again.commands[0].budget.tokens).toBe(a.budget.tokens + 1000);
  });
});

describe('budget extensions', () => {
  it('raise the budget of the tasks scheduled after the retry too', () => {
    const d = start(phaseConfig('p', { parallelism: 'sequential', agents: ['A', 'B'] }));
    const a = d.commands[0];
    const r = decide(d.next, { kind: 'retry-task', payload: { phase: 'p', taskId: a.taskId, attempt: 2, extraBudget: { tokens: 700, usd: 0, toolMinutes: 0, wallclockMinutes: 10 }, requestedBy: 'planner' } });
    const next = succeed(r.next, a.taskId);
    expect(next.commands[0].agent).toBe('B');
    expect(next.commands[0].budget.tokens).toBe(a.budget.tokens + 700);
  });
});

describe('sharding', () => {
  it('plans one task per agent and shard, each told its slice', () => {
    const d = start(phaseConfig('p', { agents: ['A'], shards: 3 }));
    expect(d.commands.map((c) => c.shard)).toEqual([0, 1, 2]);
    expect(new Set(d.commands.map((c) => c.idempotenceKey)).size).toBe(3);
    expect(d.commands.every((c) => (c.input as { shards: number }).shards === 3)).toBe(true);
  });
});

describe('iterative rounds with a quarantined task', () => {
  it('move on to the next round instead of waiting for the failed task', () => {
    let d = start(phaseConfig('p', { parallelism: 'iterative', iterations: 2, agents: ['A', 'B'] }));
    const [a, b] = d.commands;
    d = succeed(d.next, a.taskId);
    d = decide(d.next, { kind: 'task.quarantined', payload: { taskId: b.taskId, phase: 'p', agent: 'B', attempt: 3, reason: 'invalid output' } });
    expect(agents(d)).toEqual(['A@1', 'B@1']);
  });
});
