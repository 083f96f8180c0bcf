import type { IdeaInput, PhaseConfig } from '@ideamine/contracts';
import type { Waiver } from './evaluate-gate';

/** The gatekeeper's view of one phase of a run. */
export interface GatePhaseState {
  config: PhaseConfig;
  idea: IdeaInput;
  evaluatedAttempts: number[];
  waivers: Waiver[];
}

export interface GateState {
  runId: string;
  phases: Record<string, GatePhaseState>;
}

export const initialGateState = (runId: string): GateState => ({ runId, phases: {} });
