import {
  addBudget, addUsage, ArtifactRef, CommandPayload, EventPayload, idempotenceKey, newEvent, NewEvent, scaleBudget, splitBudget, Usage, ZERO_USAGE,
} from '@ideamine/contracts';
import { PhaseRunState, TaskEntry } from './state';
import { dispatchable, planTasks } from './task-plan';

export type SchedulerInput =
  | { kind: 'phase.started'; payload: EventPayload<'phase.started'> }
  | { kind: 'task.succeeded'; payload: EventPayload<'task.succeeded'> }
  | { kind: 'autofix.requested'; payload: EventPayload<'autofix.requested'> }
  | { kind: 'retry-task'; payload: CommandPayload<'retry-task'> }
  | { kind: 'task.quarantined'; payload: EventPayload<'task.quarantined'> };

export interface SchedulerDecision {
  next: PhaseRunState;
  events: NewEvent[];
  commands: CommandPayload<'run-task'>[];
  /** All tasks of the gate attempt succeeded: fan the results in (an effect: it reads artifacts). */
  aggregate: boolean;
}

const SCHED = (phase: string) => phase;

/** The task input an agent receives; its canonical hash is the idempotence key. */
export function taskInput(state: PhaseRunState, task: TaskEntry) {
  const previous = state.tasks
    .filter((t) => t.status === 'succeeded' && (t.iteration < task.iteration || state.config!.parallelism === 'sequential'))
    .map((t) => ({ agent: t.agent, iteration: t.iteration, result: t.result as ArtifactRef }));
  return { runId: state.runId, phase: state.phase, agent: task.agent, gateAttempt: state.gateAttempt, iteration: task.iteration, shard: task.shard, shards: state.config!.shards ?? 1, idea: state.input!, upstream: state.upstream, previous };
}

function schedule(state: PhaseRunState): { next: PhaseRunState; events: NewEvent[]; commands: CommandPayload<'run-task'>[] } {
  const ready = dispatchable(state);
  const budget = splitBudget(state.budget ?? state.config!.budgets, state.tasks.length);
  const events: NewEvent[] = [];
  const commands: CommandPayload<'run-task'>[] = [];
  const tasks = state.tasks.map((t) => ({ ...t }));
  for (const r of ready) {
    const t = tasks.find((x) => x.taskId === r.taskId)!;
    const input = taskInput(state, t);
    t.status = 'scheduled';
    t.idempotenceKey = idempotenceKey(input);
    const ref = { taskId: t.taskId, phase: state.phase, agent: t.agent, attempt: 1 };
    events.push(newEvent('task.scheduled', SCHED(state.phase), { ...ref, idempotenceKey: t.idempotenceKey, pool: 'default', budget, gateAttempt: state.gateAttempt, shard: t.shard, iteration: t.iteration }));
    commands.push({ ...ref, idempotenceKey: t.idempotenceKey, budget, gateAttempt: state.gateAttempt, shard: t.shard, iteration: t.iteration, input });
  }
  return { next: { ...state, tasks }, events, commands };
}

/** Pure: what follows from one input for one phase. Stale or repeated inputs decide nothing. */
export function decide(state: PhaseRunState, input: SchedulerInput): SchedulerDecision {
  const none = { next: state, events: [], commands: [], aggregate: false };
  switch (input.kind) {
    case 'phase.started': {
      if (state.status !== 'idle') return none;
      const p = input.payload;
      const base: PhaseRunState = { ...state, status: 'running', config: p.config, input: p.input, upstream: p.upstream, budget: p.budget, gateAttempt: 1, tasks: planTasks(state.runId, p.config, 1) };
      return { ...schedule(base), aggregate: false };
    }
    case 'task.succeeded': {
      const p = input.payload;
      const task = state.tasks.find((t) => t.taskId === p.taskId);
      if (state.status !== 'running' || !task || task.status === 'succeeded') return none;
      const tasks = state.tasks.map((t) => (t.taskId === p.taskId ? { ...t, status: 'succeeded' as const, result: p.result, usage: p.usage } : t));
      const after: PhaseRunState = { ...state, tasks };
      const done = tasks.filter((t) => t.status === 'succeeded').length;
      const finished = tasks.filter((t) => t.status === 'succeeded' || t.status === 'failed').length;
      const progress = newEvent('phase.progress', SCHED(state.phase), { phase: state.phase, done, total: tasks.length });
      if (finished === tasks.length) return { next: { ...after, status: 'aggregated' }, events: [progress], commands: [], aggregate: true };
      const s = schedule(after);
      return { next: s.next, events: [progress, ...s.events], commands: s.commands, aggregate: false };
    }
    case 'retry-task': {
      const p = input.payload;
      const task = state.tasks.find((t) => t.taskId === p.taskId);
      if (state.status !== 'running' || !task || task.status !== 'scheduled') return none;
      const ref = { taskId: task.taskId, phase: state.phase, agent: task.agent, attempt: p.attempt };
      // Budget added after the run ran out raises the phase budget so that every task of the phase,
      // not only the one that stopped, gets that much more.
      const base = state.budget ?? state.config!.budgets;
      const phaseBudget = p.extraBudget ? addBudget(base, scaleBudget(p.extraBudget, state.tasks.length)) : base;
      const budget = splitBudget(phaseBudget, state.tasks.length);
      const cmd = { ...ref, idempotenceKey: task.idempotenceKey!, budget, gateAttempt: state.gateAttempt, shard: task.shard, iteration: task.iteration, input: taskInput(state, task) };
      return { next: { ...state, budget: phaseBudget }, events: [], commands: [cmd], aggregate: false };
    }
    case 'task.quarantined': {
      // The task will not succeed: fan in what did, and let the gate judge the gap.
      const p = input.payload;
      const task = state.tasks.find((t) => t.taskId === p.taskId);
      if (state.status !== 'running' || !task || task.status !== 'scheduled') return none;
      const tasks = state.tasks.map((t) => (t.taskId === p.taskId ? { ...t, status: 'failed' as const } : t));
      const after: PhaseRunState = { ...state, tasks };
      const s = schedule(after);
      const open = s.next.tasks.some((t) => t.status === 'scheduled' || t.status === 'planned');
      if (!open) return { next: { ...s.next, status: 'aggregated' }, events: s.events, commands: s.commands, aggregate: true };
      return { next: s.next, events: s.events, commands: s.commands, aggregate: false };
    }
    case 'autofix.requested': {
      const p = input.payload;
      if (state.status !== 'aggregated' || p.gateAttempt !== state.gateAttempt) return none;
      const gateAttempt = state.gateAttempt + 1;
      const base: PhaseRunState = { ...state, status: 'running', gateAttempt, tasks: planTasks(state.runId, state.config!, gateAttempt) };
      const started = newEvent('autofix.started', SCHED(state.phase), { phase: state.phase, strategy: p.strategy, gateAttempt });
      const s = schedule(base);
      return { next: s.next, events: [started, ...s.events], commands: s.commands, aggregate: false };
    }
  }
}

export function totalUsage(tasks: TaskEntry[]): Usage {
  return tasks.reduce<Usage>((acc, t) => (t.usage ? addUsage(acc, t.usage) : acc), ZERO_USAGE);
}
