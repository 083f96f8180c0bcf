import type { ArtifactRef, Budget, IdeaInput, JsonObject, PhaseConfig, Usage } from '@ideamine/contracts';

/** planned: not sent yet; scheduled: an attempt is out; parked: stopped by its budget until an extension. */
export type TaskStatus = 'planned' | 'scheduled' | 'succeeded' | 'failed' | 'parked';

export interface TaskEntry {
  taskId: string;
  agent: string;
  iteration: number;
  shard: number;
  status: TaskStatus;
  /** The attempt sent last (0 before the first). */
  attempt: number;
  idempotenceKey?: string;
  /** The current attempt was claimed by a worker (its command was received). */
  claimed: boolean;
  /** Last stream sequence on the task's own subject: the fence a next attempt's claim must match. */
  tailSeq: number;
  succeededSeq?: number;
  /** The agent's output when it came inline; dropped once the phase is fanned in. */
  output?: JsonObject;
  result?: ArtifactRef;
  usage?: Usage;
}

/** One phase of a run, for its current gate attempt. */
export interface PhaseRunState {
  phase: string;
  status: 'running' | 'aggregated';
  config: PhaseConfig;
  input: IdeaInput;
  upstream: { phase: string; evidencePack: ArtifactRef }[];
  /** What the planner gave this phase (its configured budget capped by what the run has left), plus extensions. */
  budget: Budget;
  gateAttempt: number;
  tasks: TaskEntry[];
}

/** The scheduler's view of a run: a fold of its log. */
export interface SchedulerState {
  runId: string;
  phases: Record<string, PhaseRunState>;
  /** Cancelled or failed: nothing new is sent. */
  stopped: boolean;
}

export const initialSchedulerState = (runId: string): SchedulerState => ({ runId, phases: {}, stopped: false });
