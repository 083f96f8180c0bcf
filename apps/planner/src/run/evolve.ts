import type { NewEvent } from '@ideamine/contracts';
import { RunState } from './state';

/** Applies one planner event to the run state. Pure; the same events always give the same state. */
export function evolve(state: RunState, event: NewEvent): RunState {
  switch (event.type) {
    case 'run.requested': {
      const p = event.payload as NewEvent<'run.requested'>['payload'];
      return { ...state, input: p.input, budget: p.budget, configSet: p.configSet };
    }
    case 'run.planned': {
      const p = event.payload as NewEvent<'run.planned'>['payload'];
      return {
        ...state,
        order: p.phases.map((c) => c.phase),
        phases: Object.fromEntries(p.phases.map((c) => [c.phase, { config: c, status: 'waiting' as const }])),
      };
    }
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
    case 'budget.extended': {
      const p = event.payload as NewEvent<'budget.extended'>['payload'];
      return { ...state, budget: p.newLimit, parked: [] };
    }
    case 'phase.started': {
      const p = event.payload as NewEvent<'phase.started'>['payload'];
      return withPhase(state, p.phase, { status: 'running' });
    }
    case 'phase.completed': {
      const p = event.payload as NewEvent<'phase.completed'>['payload'];
      return withPhase(state, p.phase, { status: 'completed', evidencePack: p.evidencePack, score: p.score, attempts: p.attempts });
    }
    case 'phase.failed': {
      const p = event.payload as NewEvent<'phase.failed'>['payload'];
      return withPhase(state, p.phase, { status: 'failed' });
    }
    default:
      return state;
  }
}

function withPhase(state: RunState, phase: string, patch: Partial<RunState['phases'][string]>): RunState {
  const current = state.phases[phase];
  if (!current) return state;
  return { ...state, phases: { ...state.phases, [phase]: { ...current, ...patch } } };
}
