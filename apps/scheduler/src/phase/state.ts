import type { ArtifactRef, Budget, IdeaInput, PhaseConfig, Usage } from '@ideamine/contracts';

export type TaskStatus = 'planned' | 'scheduled' | 'succeeded' | 'failed';

export interface TaskEntry {
  taskId: string;
  agent: string;
  iteration: number;
  shard: number;
  status: TaskStatus;
  idempotenceKey?: string;
  result?: ArtifactRef;
  usage?: Usage;
}

/** The scheduler's view of one phase of one run, for the current gate attempt. */
export interface PhaseRunState {
  runId: string;
  phase: string;
  status: 'idle' | 'running' | 'aggregated';
  config?: PhaseConfig;
  input?: IdeaInput;
  upstream: { phase: string; evidencePack: ArtifactRef }[];
  /** What the planner gave this phase: its configured budget capped by what the run has left. */
  budget?: Budget;
  gateAttempt: number;
  tasks: TaskEntry[];
}

export const initialPhaseRunState = (runId: string, phase: string): PhaseRunState => ({
  runId, phase, status: 'idle', upstream: [], gateAttempt: 1, tasks: [],
});
