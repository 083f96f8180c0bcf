import { ArtifactRef, Budget, IdeaInput, PhaseConfig, Usage, ZERO_USAGE } from '@ideamine/contracts';

export type RunStatus = 'none' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type PhaseStatus = 'waiting' | 'running' | 'completed' | 'failed';

export interface PhaseState {
  config: PhaseConfig;
  status: PhaseStatus;
  evidencePack?: ArtifactRef;
  score?: number;
  attempts?: number;
}

/** The planner's view of one run: a fold of the run's planner events (see evolve). */
export interface RunState {
  runId: string;
  status: RunStatus;
  input?: IdeaInput;
  budget?: Budget;
  configSet?: string;
  order: string[];
  phases: Record<string, PhaseState>;
  /** Usage of every fanned-in gate attempt, counted once each (keys `phase#attempt`). */
  usage: Usage;
  counted: string[];
  /** Tasks stopped by an exhausted budget; re-run when the budget is extended. */
  parked: { phase: string; taskId: string; attempt: number }[];
}

export const initialRunState = (runId: string): RunState => ({ runId, status: 'none', order: [], phases: {}, usage: { ...ZERO_USAGE }, counted: [], parked: [] });

export const isActive = (s: RunState) => s.status === 'running' || s.status === 'paused';
