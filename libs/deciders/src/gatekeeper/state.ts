import type { IdeaInput, PhaseConfig } from '@ideamine/contracts';
import type { Waiver } from './evaluate-gate';

/** The gatekeeper's view of one phase of a run. */
export interface GatePhaseState {
  config: PhaseConfig;
  /** Set when the phase starts (its input): only a started phase has evidence to judge. */
  idea?: IdeaInput;
  evaluatedAttempts: number[];
  waivers: Waiver[];
}

export interface GateState {
  runId: string;
  /** Every planned phase (from run.planned), so a waiver can be granted before its phase starts. */
  phases: Record<string, GatePhaseState>;
}

export const initialGateState = (runId: string): GateState => ({ runId, phases: {} });
