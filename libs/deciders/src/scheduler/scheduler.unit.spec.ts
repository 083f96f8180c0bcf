import { AnyNewEvent, CommandPayload, newEvent, PhaseConfig } from '@ideamine/contracts';
import { artifactRef, IDEA, phaseConfig } from '@ideamine/contracts/testing';
import { DeciderIo } from '@ideamine/decider';
import { fact, given } from '@ideamine/decider/testing';
import { EvidencePack, schedulerDecider } from './scheduler.decider';
import type { SchedulerState } from './state';
import { shardItems } from './task-plan';

const scheduler = schedulerDecider('default');
const started = (config: PhaseConfig) => newEvent('phase.started', config.phase, { phase: config.phase, config, input: IDEA, upstream: [], budget: config.budgets });
const usage = { tokens: 10, usd: 0, toolMinutes: 0, wallclockMs: 5 };
type Step = ReturnType<ReturnType<typeof given<SchedulerState>>['when']>;
const commands = (t: Step) => (t.decision.commands ?? []).map((c) => c.payload as CommandPayload<'run-task'>);
const agents = (t: Step) => commands(t).map((c) => `${c.agent}@${c.iteration}`);
const ref = (c: CommandPayload<'run-task'>) => ({ taskId: c.taskId, phase: c.phase, agent: c.agent, attempt: c.attempt });
const succeeded = (c: CommandPayload<'run-task'>, output: Record<string, unknown> = { stories: [c.agent] }, seq?: number) =>
  fact(newEvent('task.succeeded', c.taskId, { ...ref(c), output: output as never, usage, replayed: false }), { seq });
/** The given/when/then helper folds decided events; a phase's history needs the tasks it sent. */
const scheduled = (t: Step): AnyNewEvent[] => t.decision.events;

describe('scheduler decider', () => {
  it('parallel dispatches every agent at once: one task.scheduled and one run-task each, distinct keys, first-attempt fence 0', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B', 'C'] })));
    t.then([{ type: 'task.scheduled' }, { type: 'task.scheduled' }, { type: 'task.scheduled' }]);
    expect(agents(t)).toEqual(['A@0', 'B@0', 'C@0']);
    expect(new Set(commands(t).map((c) => c.idempotenceKey)).size).toBe(3);
    expect(commands(t).every((c) => c.fence === 0 && c.attempt === 1)).toBe(true);
  });

  it('sequential runs one agent at a time and points the next at the committed result', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 'sequential', agents: ['A', 'B'] })));
    expect(agents(t)).toEqual(['A@0']);
    const next = t.andWhen(succeeded(commands(t)[0], { stories: ['a'] }, 41));
    expect(agents(next)).toEqual(['B@0']);
    expect(commands(next)[0].input.previous).toEqual([{ agent: 'A', iteration: 0, shard: 0, succeededSeq: 41 }]);
    next.andWhen(succeeded(commands(next)[0])).then([{ type: 'phase.aggregated', payload: { phase: 'p', gateAttempt: 1, taskCount: 2 } }]);
  });

  it('N-at-a-time keeps at most N in flight', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 2, agents: ['A', 'B', 'C', 'D'] })));
    expect(agents(t)).toEqual(['A@0', 'B@0']);
    expect(agents(t.andWhen(succeeded(commands(t)[0])))).toEqual(['C@0']);
  });

  it('iterative runs round after round, each seeing the previous rounds', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 'iterative', iterations: 2, agents: ['A', 'B'] })));
    const [a, b] = commands(t);
    const half = t.andWhen(succeeded(a));
    half.thenNothing();
    const round2 = half.andWhen(succeeded(b));
    expect(agents(round2)).toEqual(['A@1', 'B@1']);
    expect(commands(round2)[0].input.previous).toHaveLength(2);
  });

  it('fans in from its own state: a deterministic evidence pack, stored as a blob before phase.aggregated names it', () => {
    const run = (order: 'ab' | 'ba') => {
      const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
      const [a, b] = commands(t);
      const [first, second] = order === 'ab' ? [a, b] : [b, a];
      return t.andWhen(succeeded(first, { stories: [first.agent] })).andWhen(succeeded(second, { stories: [second.agent] }));
    };
    const ab = run('ab');
    const ba = run('ba');
    ab.then([{ type: 'phase.aggregated', payload: { usage: { tokens: 20, usd: 0, toolMinutes: 0, wallclockMs: 10 } } }]);
    expect(ab.decision.blobs).toHaveLength(1);
    const pack = JSON.parse(ab.decision.blobs![0].content.toString('utf8')) as EvidencePack;
    expect(pack.merged).toEqual({ stories: ['A', 'B'] });
    expect(ab.decision.blobs![0].ref.sha256).toBe(ba.decision.blobs![0].ref.sha256);
    expect((ab.decision.events[0].payload as { evidencePack: { sha256: string } }).evidencePack.sha256).toBe(ab.decision.blobs![0].ref.sha256);
  });

  it('ignores duplicates and results of unknown tasks, naming why', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A'] })));
    t.andWhen(started(phaseConfig('p', { agents: ['A'] }))).thenNothing();
    const once = t.andWhen(succeeded(commands(t)[0]));
    once.then([{ type: 'phase.aggregated' }]);
    const again = once.andWhen(succeeded(commands(t)[0]));
    again.thenNothing();
    expect(again.decision.ignored).toMatch(/already fanned in/);
    const unknown = t.andWhen(fact(newEvent('task.succeeded', 't-nope', { taskId: 't-nope', phase: 'p', agent: 'A', attempt: 1, output: {}, usage, replayed: false })));
    expect(unknown.decision.ignored).toMatch(/unknown task t-nope/);
  });

  it('an auto-fix re-plans every task under the next gate attempt with new keys', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A'] })));
    const first = commands(t)[0];
    const fix = t.andWhen(succeeded(first)).andWhen(newEvent('autofix.requested', 'p', { phase: 'p', gateAttempt: 1, strategy: 'rerun-qav', reasons: [] }));
    fix.then([{ type: 'autofix.started', payload: { gateAttempt: 2 } }, { type: 'task.scheduled', payload: { gateAttempt: 2 } }]);
    expect(commands(fix)[0].idempotenceKey).not.toBe(first.idempotenceKey);
    fix.andWhen(newEvent('autofix.requested', 'p', { phase: 'p', gateAttempt: 1, strategy: 'rerun-qav', reasons: [] })).thenNothing();
  });

  it('a quarantined task lets the phase fan in what succeeded', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
    const [a, b] = commands(t);
    t.andWhen(succeeded(a)).andWhen(newEvent('task.quarantined', b.taskId, { ...ref(b), reason: 'fatal' }))
      .then([{ type: 'phase.aggregated', payload: { taskCount: 2 } }]);
  });

  it('re-sends a retried attempt when its timer fires: same key, next attempt, fenced on the failed attempt\'s last event', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
    const a = commands(t)[0];
    const claimed = fact(newEvent('task.claimed', a.taskId, { ...ref(a), workerId: 'w', leaseMs: 1, resumedFromStep: 0 }), { seq: 50 });
    const failed = fact(newEvent('task.failed', a.taskId, { ...ref(a), errorClass: 'transient', retryable: true, message: 'x' }), { seq: 57 });
    const fire = newEvent('timer.fired', 'retry-x', { timerId: 'retry-x', firedAt: '2026-01-01T00:00:01.000Z', action: { kind: 'retry-task', phase: 'p', taskId: a.taskId, attempt: 2 } });
    const retried = t.andWhen(claimed).andWhen(failed).andWhen(fire);
    retried.then([{ type: 'task.scheduled', payload: { taskId: a.taskId, attempt: 2 } }]);
    expect(commands(retried)[0]).toMatchObject({ taskId: a.taskId, attempt: 2, fence: 57, idempotenceKey: a.idempotenceKey });
    // A second firing for the same attempt is stale.
    expect(retried.andWhen(fire).decision.ignored).toMatch(/no longer applies/);
  });

  it('re-sends parked tasks after a budget extension, with the phase budget raised for every later task too', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 'sequential', agents: ['A', 'B'] })));
    const a = commands(t)[0];
    const parked = t.andWhen(newEvent('task.failed', a.taskId, { ...ref(a), errorClass: 'budget', retryable: false, message: 'x', budgetExceeded: { dimension: 'tokens', limit: 5000, used: 6000 } }));
    parked.thenNothing();
    expect(parked.state.phases.p.tasks[0].status).toBe('parked');
    const resumed = parked.andWhen(newEvent('budget.extended', '_', { add: { tokens: 700, usd: 0, toolMinutes: 0, wallclockMinutes: 10 }, newLimit: { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 } }));
    expect(commands(resumed)).toHaveLength(1);
    expect(commands(resumed)[0]).toMatchObject({ taskId: a.taskId, attempt: 2 });
    expect(commands(resumed)[0].budget.tokens).toBe(a.budget.tokens + 700);
    const next = resumed.andWhen(succeeded(commands(resumed)[0]));
    expect(commands(next)[0]).toMatchObject({ agent: 'B' });
    expect(commands(next)[0].budget.tokens).toBe(a.budget.tokens + 700);
  });

  it('sends nothing once the run is cancelled', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 'sequential', agents: ['A', 'B'] })));
    t.andWhen(newEvent('run.cancelled', '_', { reason: 'x' })).andWhen(succeeded(commands(t)[0])).thenNothing();
  });

  it('retries a quarantined task on an operator command, and says why it will not retry a finished one', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
    const [a, b] = commands(t);
    const q = t.andWhen(newEvent('task.quarantined', b.taskId, { ...ref(b), reason: 'fatal' }));
    const retry = (taskId: string) => newEvent('command.received', 'scheduler', { command: 'retry-task', payload: { phase: 'p', taskId, reason: 'fixed', requestedBy: 'op' } });
    expect(commands(q.andWhen(retry(b.taskId)))[0]).toMatchObject({ taskId: b.taskId, attempt: 2 });
    const done = q.andWhen(succeeded(a));
    expect(done.andWhen(retry(a.taskId)).decision.ignored).toMatch(/aggregated phase/);
  });

  it('plans one task per agent and shard, each told its slice', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A'], shards: 3 })));
    expect(commands(t).map((c) => c.shard)).toEqual([0, 1, 2]);
    expect(new Set(commands(t).map((c) => c.idempotenceKey)).size).toBe(3);
    expect(commands(t).every((c) => c.input.shards === 3)).toBe(true);
    expect(shardItems([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('iterative rounds move on past a quarantined task', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { parallelism: 'iterative', iterations: 2, agents: ['A', 'B'] })));
    const [a, b] = commands(t);
    expect(agents(t.andWhen(succeeded(a)).andWhen(newEvent('task.quarantined', b.taskId, { ...ref(b), reason: 'invalid output' })))).toEqual(['A@1', 'B@1']);
  });

  it('knows which commands are still pending after a takeover', () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
    const [cmdA, cmdB] = t.decision.commands!;
    const a = commands(t)[0];
    const after = t.andWhen(fact(newEvent('task.claimed', a.taskId, { ...ref(a), workerId: 'w', leaseMs: 1, resumedFromStep: 0 })));
    expect(scheduler.isPending!(after.state, cmdA)).toBe(false);
    expect(scheduler.isPending!(after.state, cmdB)).toBe(true);
  });

  it('reads outputs that came as artifacts before fanning in, and only then', async () => {
    const t = given<SchedulerState>(scheduler, []).when(started(phaseConfig('p', { agents: ['A', 'B'] })));
    const [a, b] = commands(t);
    const big = fact(newEvent('task.succeeded', b.taskId, { ...ref(b), result: artifactRef('ab', 'task-result:B'), usage, replayed: false }));
    const reads: string[] = [];
    const io: DeciderIo = { readJsonArtifact: async <T>(r: { sha256: string }) => { reads.push(r.sha256); return { output: { stories: ['big'] } } as T; } };
    const half = t.andWhen(big);
    expect(await scheduler.enrich!(half.state, big, io)).toBeUndefined();
    const last = succeeded(a);
    const observed = scheduler.evolve(half.state, last);
    const extra = await scheduler.enrich!(observed, last, io);
    expect(reads).toEqual([artifactRef('ab').sha256]);
    const d = half.andWhen(last, extra);
    d.then([{ type: 'phase.aggregated' }]);
    expect((JSON.parse(d.decision.blobs![0].content.toString()) as EvidencePack).merged).toEqual({ stories: ['A', 'big'] });
    expect(scheduled(t)).toHaveLength(2);
  });
});
