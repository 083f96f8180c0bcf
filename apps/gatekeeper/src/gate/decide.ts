import { ArtifactRef, CommandPayload, EventPayload, newEvent, NewEvent } from '@ideamine/contracts';
import { chooseAutoFix, evaluateGate } from './evaluate-gate';
import { GateState } from './state';

export type GateInput =
  | { kind: 'phase.started'; payload: EventPayload<'phase.started'> }
  | { kind: 'phase.aggregated'; payload: EventPayload<'phase.aggregated'>; merged: unknown; now: Date }
  | { kind: 'grant-waiver'; payload: CommandPayload<'grant-waiver'>; now: Date }
  | { kind: 'revoke-waiver'; payload: CommandPayload<'revoke-waiver'> };

export class GateConfigMissingError extends Error {
  readonly code = 'IM_GATE_CONFIG_MISSING';
}

/** Pure gate decisions; the caller loads the evidence pack. Re-evaluating an attempt decides nothing. */
export function decide(state: GateState, input: GateInput): { next: GateState; events: NewEvent[] } {
  const phase = state.phase;
  switch (input.kind) {
    case 'phase.started':
      return { next: { ...state, config: input.payload.config, idea: input.payload.input }, events: [] };
    case 'grant-waiver': {
      const w = input.payload;
      if (new Date(w.expiresAt) <= input.now) return { next: state, events: [] };
      const waivers = [...state.waivers.filter((x) => x.guard !== w.guard), { guard: w.guard, reason: w.reason, expiresAt: w.expiresAt }];
      return { next: { ...state, waivers }, events: [newEvent('waiver.granted', phase, { phase, guard: w.guard, reason: w.reason, expiresAt: w.expiresAt, grantedBy: w.requestedBy })] };
    }
    case 'revoke-waiver': {
      const w = input.payload;
      if (!state.waivers.some((x) => x.guard === w.guard)) return { next: state, events: [] };
      return { next: { ...state, waivers: state.waivers.filter((x) => x.guard !== w.guard) }, events: [newEvent('waiver.revoked', phase, { phase, guard: w.guard, reason: w.reason })] };
    }
    case 'phase.aggregated': {
      const p = input.payload;
      if (!state.config || !state.idea) throw new GateConfigMissingError(`no phase.started seen yet for ${state.runId}/${phase}`);
      if (state.evaluatedAttempts.includes(p.gateAttempt)) return { next: state, events: [] };
      const v = evaluateGate(state.config, input.merged, state.idea, state.waivers, input.now);
      const next = { ...state, evaluatedAttempts: [...state.evaluatedAttempts, p.gateAttempt] };
      const evaluated = newEvent('gate.evaluated', phase, { phase, gateAttempt: p.gateAttempt, score: v.score, passThreshold: state.config.gate.passThreshold, guards: v.guards.map(({ type, passed, score, detail }) => ({ type, passed, score, detail })) });
      if (v.passed) return { next, events: [evaluated, newEvent('gate.passed', phase, { phase, gateAttempt: p.gateAttempt, score: v.score, evidencePack: p.evidencePack as ArtifactRef, waived: v.waived })] };
      const failed = v.guards.filter((g) => !g.passed);
      const reasons = failed.length ? failed.map((g) => `${g.type}: ${g.detail}`) : [`score ${v.score} below ${state.config.gate.passThreshold}`];
      const final = !state.config.gate.autoFix || p.gateAttempt >= state.config.gate.maxAttempts;
      const events: NewEvent[] = [evaluated, newEvent('gate.failed', phase, { phase, gateAttempt: p.gateAttempt, score: v.score, reasons, final })];
      if (!final) events.push(newEvent('autofix.requested', phase, { phase, gateAttempt: p.gateAttempt, strategy: chooseAutoFix(failed, p.gateAttempt, state.config.gate.maxAttempts), reasons }));
      return { next, events };
    }
  }
}
