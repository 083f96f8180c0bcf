import type { IdeaInput, PhaseConfig } from '@ideamine/contracts';
import type { Waiver } from './evaluate-gate';

/** The gatekeeper's view of one phase of a run. */
export interface GateState {
  runId: string;
  phase: string;
  config?: PhaseConfig;
  idea?: IdeaInput;
  evaluatedAttempts: number[];
  waivers: Waiver[];
}

export const initialGateState = (runId: string, phase: string): GateState => ({ runId, phase, evaluatedAttempts: [], waivers: [] });
