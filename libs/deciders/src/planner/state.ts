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

/** The planner's view of one run: a fold of its log (see planner.decider.ts). */
export interface RunState {
  runId: string;
  status: RunStatus;
  /** From run.requested (the intake resolved the phase configuration). */
  requested?: { input: IdeaInput; budget: Budget; configSet: string; phases: PhaseConfig[] };
  input?: IdeaInput;
  budget?: Budget;
  order: string[];
  phases: Record<string, PhaseState>;
  /** Usage of every fanned-in gate attempt, counted once each (keys `phase#attempt`). */
  usage: Usage;
  counted: string[];
}

export const initialRunState = (runId: string): RunState => ({ runId, status: 'none', order: [], phases: {}, usage: { ...ZERO_USAGE }, counted: [] });
export const isActive = (s: RunState) => s.status === 'running' || s.status === 'paused';
