import { addUsage, AnyNewEvent, Budget, EventPayload, EventType, newEvent, PhaseConfig } from '@ideamine/contracts';
import { Decider, Decision, foldNew, ignore, NOTHING } from '@ideamine/decider';
import { InvalidDagError, planRun } from './dag';
import { initialRunState, isActive, RunState } from './state';

const RUN = '_';

/** The run budget when a submit names none. */
export const DEFAULT_RUN_BUDGET: Budget = { tokens: 5_000_000, usd: 100, toolMinutes: 600, wallclockMinutes: 3000 };

const OBSERVES: EventType[] = [
  'run.requested', 'run.planned', 'run.started', 'run.paused', 'run.resumed', 'run.completed', 'run.failed', 'run.cancelled',
  'budget.exhausted', 'budget.extended', 'phase.started', 'phase.completed', 'phase.failed', 'phase.blocked',
  'command.received', 'gate.passed', 'gate.failed', 'phase.aggregated', 'task.failed',
];

/**
 * The planner: plans the run's DAG, starts phases whose dependencies completed, completes, fails,
 * pauses, resumes and cancels runs, and keeps the run within its budget.
 */
export const plannerDecider: Decider<RunState> = {
  service: 'planner',
  owns: ['run', 'phase'],
  observes: new Set(OBSERVES),
  initialState: initialRunState,

  evolve(state, { event: e }) {
    switch (e.type) {
      case 'run.requested':
        return { ...state, requested: e.payload, input: e.payload.input, budget: e.payload.budget };
      case 'run.planned':
        return {
          ...state,
          order: e.payload.phases.map((c) => c.phase),
          phases: Object.fromEntries(e.payload.phases.map((c) => [c.phase, { config: c, status: 'waiting' as const }])),
        };
      case 'run.started':
      case 'run.resumed':
        return { ...state, status: 'running' };
      case 'run.paused':
        return { ...state, status: 'paused' };
      case 'run.completed':
        return { ...state, status: 'completed' };
      case 'run.failed':
        return { ...state, status: 'failed' };
      case 'run.cancelled':
        return { ...state, status: 'cancelled' };
      case 'budget.extended':
        return { ...state, budget: e.payload.newLimit };
      case 'phase.started':
        return withPhase(state, e.payload.phase, { status: 'running' });
      case 'phase.completed':
        return withPhase(state, e.payload.phase, { status: 'completed', evidencePack: e.payload.evidencePack, score: e.payload.score, attempts: e.payload.attempts });
      case 'phase.failed':
        return withPhase(state, e.payload.phase, { status: 'failed' });
      case 'phase.aggregated': {
        // Usage of a fanned-in gate attempt, once: it always precedes that attempt's gate outcome in the log.
        const key = `${e.payload.phase}#${e.payload.gateAttempt}`;
        if (state.counted.includes(key) || !state.phases[e.payload.phase]) return state;
        return { ...state, usage: addUsage(state.usage, e.payload.usage), counted: [...state.counted, key] };
      }
      default:
        // budget.exhausted, phase.blocked, command.received, gate.*, task.failed: decided on, nothing to fold.
        return state;
    }
  },

  decide(state, { event: e, subject }) {
    switch (e.type) {
      case 'run.requested':
        return state.status === 'none' ? planAndStart(state, e.payload.phases) : ignore('run already planned');
      case 'command.received':
        return subject.endsWith('.cmd.planner') ? decideCommand(state, e.payload) : NOTHING;
      case 'gate.passed': {
        const { phase, evidencePack, score, gateAttempt } = e.payload;
        if (!isActive(state) || state.phases[phase]?.status !== 'running') return ignore(`gate passed for ${phase}, which is not running`);
        const done = newEvent('phase.completed', phase, { phase, evidencePack, score, attempts: gateAttempt });
        const after = foldNew(plannerDecider, state, [done], state.runId);
        if (after.order.every((p) => after.phases[p].status === 'completed')) {
          return { events: [done, newEvent('run.completed', RUN, { phases: after.order, usage: after.usage })] };
        }
        return { events: state.status === 'running' ? [done, ...startReadyPhases(after)] : [done] };
      }
      case 'gate.failed': {
        const { phase, final, reasons } = e.payload;
        if (!final || !isActive(state) || state.phases[phase]?.status !== 'running') return NOTHING;
        const reason = `gate for ${phase} failed after ${e.payload.gateAttempt} attempt(s): ${reasons.join('; ')}`;
        return { events: [newEvent('phase.failed', phase, { phase, reason }), newEvent('run.failed', RUN, { reason, phase })] };
      }
      case 'task.failed': {
        const p = e.payload;
        if (p.errorClass !== 'budget' || state.status !== 'running') return NOTHING;
        const b = p.budgetExceeded ?? { dimension: 'tokens' as const, limit: 0, used: 0 };
        return {
          events: [
            newEvent('budget.exhausted', RUN, { scope: 'agent', phase: p.phase, agent: p.agent, dimension: b.dimension, limit: b.limit, used: b.used }),
            newEvent('run.paused', RUN, { reason: `budget exhausted: ${p.agent} in ${p.phase} needs more ${b.dimension} (${b.used} of ${b.limit})` }),
          ],
        };
      }
      default:
        return NOTHING;
    }
  },
};

function planAndStart(state: RunState, phases: PhaseConfig[]): Decision {
  let plan;
  try {
    plan = planRun(phases);
  } catch (err) {
    // The intake validates the DAG before it accepts a run; this guards a hand-written run.requested.
    if (err instanceof InvalidDagError) return { events: [newEvent('run.failed', RUN, { reason: `phase DAG refused: ${err.message}` })] };
    throw err;
  }
  const head: AnyNewEvent[] = [
    newEvent('run.planned', RUN, { phases: plan.phases, levels: plan.levels, criticalPath: plan.criticalPath, estimatedMinutes: plan.estimatedMinutes }),
    newEvent('run.started', RUN, {}),
  ];
  return { events: [...head, ...startReadyPhases(foldNew(plannerDecider, state, head, state.runId))] };
}

function decideCommand(state: RunState, c: EventPayload<'command.received'>): Decision {
  switch (c.command) {
    case 'cancel-run':
      return isActive(state) ? { events: [newEvent('run.cancelled', RUN, { reason: c.payload.reason })] } : ignore(`cancel of a ${state.status} run`);
    case 'pause-run':
      return state.status === 'running' ? { events: [newEvent('run.paused', RUN, { reason: c.payload.reason })] } : ignore(`pause of a ${state.status} run`);
    case 'resume-run': {
      if (state.status !== 'paused') return ignore(`resume of a ${state.status} run`);
      const resumed = newEvent('run.resumed', RUN, { reason: c.payload.reason });
      return { events: [resumed, ...startReadyPhases(foldNew(plannerDecider, state, [resumed], state.runId))] };
    }
    case 'extend-budget': {
      if (!isActive(state) || !state.budget) return ignore(`budget extension of a ${state.status} run`);
      const add = c.payload.add;
      const b = state.budget;
      const newLimit = { tokens: b.tokens + add.tokens, usd: b.usd + add.usd, toolMinutes: b.toolMinutes + add.toolMinutes, wallclockMinutes: b.wallclockMinutes + add.wallclockMinutes };
      const extended = newEvent('budget.extended', RUN, { add, newLimit });
      if (state.status !== 'paused') return { events: [extended] };
      const resumed = newEvent('run.resumed', RUN, { reason: 'budget extended' });
      return { events: [extended, resumed, ...startReadyPhases(foldNew(plannerDecider, state, [extended, resumed], state.runId))] };
    }
    default:
      return ignore(`${c.command} is not a planner command`);
  }
}

function withPhase(state: RunState, phase: string, patch: Partial<RunState['phases'][string]>): RunState {
  const current = state.phases[phase];
  if (!current) return state;
  return { ...state, phases: { ...state.phases, [phase]: { ...current, ...patch } } };
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
export function startReadyPhases(state: RunState): AnyNewEvent[] {
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
