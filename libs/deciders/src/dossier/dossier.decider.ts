import { EventType } from '@ideamine/contracts';
import { Decider, ignore, NOTHING } from '@ideamine/decider';

export interface DossierState {
  runId: string;
  /** Causes (run.completed or on-demand request ids) a dossier.compiled already answered. */
  compiled: string[];
}

const OBSERVES: EventType[] = ['run.completed', 'dossier.compiled'];

/**
 * The dossier's reaction to a completed run: ask for one compile per run.completed. The compiler
 * (the dossier service's command handler) is idempotent on that cause beyond the duplicate window:
 * it reads the run's dossier subject before compiling and publishes with optimistic concurrency.
 */
export const dossierDecider: Decider<DossierState> = {
  service: 'dossier',
  owns: ['dossier'],
  observes: new Set(OBSERVES),
  initialState: (runId) => ({ runId, compiled: [] }),

  evolve(state, { event: e }) {
    if (e.type === 'dossier.compiled' && !state.compiled.includes(e.payload.causeId)) return { ...state, compiled: [...state.compiled, e.payload.causeId] };
    return state;
  },

  decide(state, { event: e }) {
    if (e.type !== 'run.completed') return NOTHING;
    if (state.compiled.includes(e.id)) return ignore('dossier already compiled for this completion');
    return { events: [], commands: [{ name: 'compile-dossier', aggregateId: '_', payload: { requestedBy: 'dossier', causeId: e.id }, key: e.id }] };
  },

  isPending(state, command) {
    return command.name !== 'compile-dossier' || !state.compiled.includes(command.payload.causeId ?? '');
  },
};
