import { addUsage, newEvent, NewEvent, PhaseConfig, Budget, CommandPayload, EventPayload } from '@ideamine/contracts';
import { planRun } from './dag';
import { evolve } from './evolve';
import { isActive, RunState } from './state';

/** What the planner reacts to. Commands come from the api; gate outcomes from the gatekeeper. */
export type PlannerInput =
  | { kind: 'submit-run'; payload: CommandPayload<'submit-run'>; phases: PhaseConfig[]; defaultBudget: Budget }
  | { kind: 'cancel-run'; payload: CommandPayload<'cancel-run'> }
  | { kind: 'pause-run'; payload: CommandPayload<'pause-run'> }
  | { kind: 'resume-run'; payload: CommandPayload<'resume-run'> }
  | { kind: 'extend-budget'; payload: CommandPayload<'extend-budget'> }
  | { kind: 'gate.passed'; payload: EventPayload<'gate.passed'> }
  | { kind: 'gate.failed'; payload: EventPayload<'gate.failed'> }
  | { kind: 'phase.aggregated'; payload: EventPayload<'phase.aggregated'> }
  | { kind: 'task.failed'; payload: EventPayload<'task.failed'> };

const RUN = '_';

/**
 * Pure decision: the planner events that follow from one input in the given state. Inputs that no
 * longer apply (a duplicate submit, a gate outcome for a finished phase) decide nothing.
 */
export function decide(state: RunState, input: PlannerInput): NewEvent[] {
  switch (input.kind) {
    case 'submit-run': {
      if (state.status !== 'none') return [];
      const plan = planRun(input.phases);
      const budget = input.payload.budget ?? input.defaultBudget;
      const head: NewEvent[] = [
        newEvent('run.requested', RUN, { input: input.payload.input, budget, configSet: input.payload.configSet ?? 'default' }),
        newEvent('run.planned', RUN, { phases: plan.phases, levels: plan.levels, criticalPath: plan.criticalPath, estimatedMinutes: plan.estimatedMinutes }),
        newEvent('run.started', RUN, {}),
      ];
      return [...head, ...startReadyPhases(head.reduce(evolve, state))];
    }
    case 'cancel-run':
      return isActive(state) ? [newEvent('run.cancelled', RUN, { reason: input.payload.reason })] : [];
    case 'pause-run':
      return state.status === 'running' ? [newEvent('run.paused', RUN, { reason: input.payload.reason })] : [];
    case 'resume-run': {
      if (state.status !== 'paused') return [];
      const resumed = newEvent('run.resumed', RUN, { reason: input.payload.reason });
      return [resumed, ...startReadyPhases(evolve(state, resumed))];
    }
    case 'extend-budget': {
      if (!isActive(state) || !state.budget) return [];
      const add = input.payload.add;
      const b = state.budget;
      const newLimit = { tokens: b.tokens + add.tokens, usd: b.usd + add.usd, toolMinutes: b.toolMinutes + add.toolMinutes, wallclockMinutes: b.wallclockMinutes + add.wallclockMinutes };
      const extended = newEvent('budget.extended', RUN, { add, newLimit });
      if (state.status !== 'paused') return [extended];
      const resumed = newEvent('run.resumed', RUN, { reason: 'budget extended' });
      return [extended, resumed, ...startReadyPhases([extended, resumed].reduce(evolve, state))];
    }
    case 'gate.passed': {
      const { phase, evidencePack, score, gateAttempt } = input.payload;
      if (!isActive(state) || state.phases[phase]?.status !== 'running') return [];
      const done = newEvent('phase.completed', phase, { phase, evidencePack, score, attempts: gateAttempt });
      const after = evolve(state, done);
      if (after.order.every((p) => after.phases[p].status === 'completed')) {
        return [done, newEvent('run.completed', RUN, { phases: after.order, usage: after.usage })];
      }
      return state.status === 'running' ? [done, ...startReadyPhases(after)] : [done];
    }
    case 'gate.failed': {
      const { phase, final, reasons } = input.payload;
      if (!final || !isActive(state) || state.phases[phase]?.status !== 'running') return [];
      const reason = `gate for ${phase} failed after ${input.payload.gateAttempt} attempt(s): ${reasons.join('; ')}`;
      return [newEvent('phase.failed', phase, { phase, reason }), newEvent('run.failed', RUN, { reason, phase })];
    }
    case 'phase.aggregated':
      return [];
    case 'task.failed': {
      const p = input.payload;
      if (p.errorClass !== 'budget' || state.status !== 'running') return [];
      const b = p.budgetExceeded ?? { dimension: 'tokens' as const, limit: 0, used: 0 };
      return [
        newEvent('budget.exhausted', RUN, { scope: 'agent', phase: p.phase, agent: p.agent, dimension: b.dimension, limit: b.limit, used: b.used }),
        newEvent('run.paused', RUN, { reason: `budget exhausted: ${p.agent} in ${p.phase} needs more ${b.dimension} (${b.used} of ${b.limit})` }),
      ];
    }
  }
}

/**
 * Facts an input adds to the state without deciding anything: usage from fanned-in phases (once
 * per gate attempt) and tasks parked by an exhausted budget.
 */
export function observe(state: RunState, input: PlannerInput): RunState {
  if (input.kind === 'phase.aggregated') {
    const key = `${input.payload.phase}#${input.payload.gateAttempt}`;
    if (state.counted.includes(key)) return state;
    return { ...state, usage: addUsage(state.usage, input.payload.usage), counted: [...state.counted, key] };
  }
  if (input.kind === 'task.failed' && input.payload.errorClass === 'budget' && isActive(state)) {
    const p = input.payload;
    if (state.parked.some((t) => t.taskId === p.taskId)) return state;
    return { ...state, parked: [...state.parked, { phase: p.phase, taskId: p.taskId, attempt: p.attempt }] };
  }
  return state;
}

/** What is left of the run budget; the tool and wall-clock limits stay per phase. */
export function remainingBudget(state: RunState): { tokens: number; usd: number } {
  const b = state.budget!;
  return { tokens: b.tokens - state.usage.tokens, usd: b.usd - state.usage.usd };
}

/** A phase may spend its configured budget, but never more than the run has left. */
export function phaseBudget(state: RunState, config: PhaseConfig): Budget {
  const left = remainingBudget(state);
  return { ...config.budgets, tokens: Math.max(0, Math.min(config.budgets.tokens, left.tokens)), usd: Math.max(0, Math.min(config.budgets.usd, left.usd)) };
}

/**
 * phase.started for every waiting phase whose dependencies have all completed, with the budget the
 * run can still give it. If the run budget is spent, the run pauses instead (budget.exhausted).
 */
export function startReadyPhases(state: RunState): NewEvent[] {
  if (state.status !== 'running' || !state.input) return [];
  const ready = state.order
    .filter((name) => state.phases[name].status === 'waiting')
    .filter((name) => state.phases[name].config.dependsOn.every((d) => state.phases[d]?.status === 'completed'));
  if (ready.length === 0) return [];
  const left = remainingBudget(state);
  const spent = left.tokens <= 0 ? 'tokens' : left.usd < 0 ? 'usd' : undefined;
  if (spent) {
    const limit = state.budget![spent];
    return [
      newEvent('budget.exhausted', RUN, { scope: 'run', dimension: spent, limit, used: state.usage[spent] }),
      newEvent('run.paused', RUN, { reason: `run budget exhausted: ${spent} ${state.usage[spent]} of ${limit}; extend it to continue` }),
    ];
  }
  return ready.map((name) => {
    const config = state.phases[name].config;
    const upstream = ancestorsOf(state, name).map((d) => ({ phase: d, evidencePack: state.phases[d].evidencePack! }));
    return newEvent('phase.started', name, { phase: name, config, input: state.input!, upstream, budget: phaseBudget(state, config) });
  });
}

/** Every phase this one depends on, directly or not, in plan order: agents may read any of them. */
export function ancestorsOf(state: RunState, name: string): string[] {
  const seen = new Set<string>();
  const walk = (n: string) => {
    for (const d of state.phases[n].config.dependsOn) {
      if (!seen.has(d)) {
        seen.add(d);
        walk(d);
      }
    }
  };
  walk(name);
  return state.order.filter((n) => seen.has(n));
}

