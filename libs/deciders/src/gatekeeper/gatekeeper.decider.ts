import { ArtifactRef, EventPayload, EventType, newEvent, AnyNewEvent } from '@ideamine/contracts';
import { Decider, Decision, ignore, NOTHING } from '@ideamine/decider';
import { chooseAutoFix, evaluateGate } from './evaluate-gate';
import { GatePhaseState, GateState, initialGateState } from './state';

/** The merged part of the evidence pack a phase.aggregated names (read by hash before deciding). */
export type GateExtra = { merged: unknown } | undefined;

const OBSERVES: EventType[] = ['run.planned', 'phase.started', 'phase.aggregated', 'gate.evaluated', 'waiver.granted', 'waiver.revoked', 'waiver.expired', 'command.received'];

/**
 * The gatekeeper: scores a phase's evidence pack against the phase's guards, passes it or asks for
 * an auto-fix (until the phase's max attempts), and keeps the waivers people grant. "Now" is the
 * time of the input being decided, never the clock: a replay decides the same way.
 */
export const gatekeeperDecider: Decider<GateState, GateExtra> = {
  service: 'gatekeeper',
  owns: ['gate'],
  observes: new Set(OBSERVES),
  initialState: initialGateState,

  evolve(state, { event: e }) {
    switch (e.type) {
      case 'run.planned': {
        let next = state;
        for (const config of e.payload.phases) if (!next.phases[config.phase]) next = withPhase(next, config.phase, { config, evaluatedAttempts: [], waivers: [] });
        return next;
      }
      case 'phase.started': {
        // The started phase's config and input are what its gate judges (the same as planned).
        const p = state.phases[e.payload.phase];
        return withPhase(state, e.payload.phase, { evaluatedAttempts: p?.evaluatedAttempts ?? [], waivers: p?.waivers ?? [], config: e.payload.config, idea: e.payload.input });
      }
      case 'gate.evaluated':
        return patchPhase(state, e.payload.phase, (p) => ({ evaluatedAttempts: [...p.evaluatedAttempts, e.payload.gateAttempt] }));
      case 'waiver.granted':
        return patchPhase(state, e.payload.phase, (p) => ({ waivers: [...p.waivers.filter((w) => w.guard !== e.payload.guard), { guard: e.payload.guard, reason: e.payload.reason, expiresAt: e.payload.expiresAt }] }));
      case 'waiver.revoked':
      case 'waiver.expired':
        return patchPhase(state, e.payload.phase, (p) => ({ waivers: p.waivers.filter((w) => w.guard !== e.payload.guard) }));
      default:
        // phase.aggregated, command.received: decided on, nothing to fold.
        return state;
    }
  },

  decide(state, { event: e, subject }, extra) {
    switch (e.type) {
      case 'phase.aggregated':
        return evaluate(state, e.payload, extra, new Date(e.occurredAt));
      case 'command.received': {
        if (!subject.endsWith('.cmd.gatekeeper')) return NOTHING;
        const c = e.payload;
        if (c.command === 'grant-waiver') {
          const w = c.payload;
          if (!state.phases[w.phase]) return ignore(`waiver for ${w.phase}, which is not a phase of this run`);
          if (new Date(w.expiresAt) <= new Date(e.occurredAt)) return ignore(`waiver for ${w.phase}/${w.guard} expired before it was granted`);
          return { events: [newEvent('waiver.granted', w.phase, { phase: w.phase, guard: w.guard, reason: w.reason, expiresAt: w.expiresAt, grantedBy: w.requestedBy })] };
        }
        if (c.command === 'revoke-waiver') {
          const w = c.payload;
          if (!state.phases[w.phase]?.waivers.some((x) => x.guard === w.guard)) return ignore(`no waiver for ${w.phase}/${w.guard} to revoke`);
          return { events: [newEvent('waiver.revoked', w.phase, { phase: w.phase, guard: w.guard, reason: w.reason })] };
        }
        return NOTHING;
      }
      default:
        return NOTHING;
    }
  },

  async enrich(state, { event: e }, io) {
    if (e.type !== 'phase.aggregated') return undefined;
    const p = state.phases[e.payload.phase];
    if (!p?.idea || p.evaluatedAttempts.includes(e.payload.gateAttempt)) return undefined;
    return { merged: (await io.readJsonArtifact<{ merged: unknown }>(e.payload.evidencePack)).merged };
  },
};

function evaluate(state: GateState, p: EventPayload<'phase.aggregated'>, extra: GateExtra, now: Date): Decision {
  const ph = state.phases[p.phase];
  if (!ph?.idea) return ignore(`evidence for ${p.phase}, which was never started`);
  if (ph.evaluatedAttempts.includes(p.gateAttempt)) return ignore(`gate attempt ${p.gateAttempt} of ${p.phase} already evaluated`);
  if (!extra) throw new Error(`evidence pack of ${p.phase} was not read`);
  const v = evaluateGate(ph.config, extra.merged, ph.idea!, ph.waivers, now);
  const evaluated = newEvent('gate.evaluated', p.phase, { phase: p.phase, gateAttempt: p.gateAttempt, score: v.score, passThreshold: ph.config.gate.passThreshold, guards: v.guards.map(({ type, passed, score, detail }) => ({ type, passed, score, detail })) });
  if (v.passed) return { events: [evaluated, newEvent('gate.passed', p.phase, { phase: p.phase, gateAttempt: p.gateAttempt, score: v.score, evidencePack: p.evidencePack as ArtifactRef, waived: v.waived })] };
  const failed = v.guards.filter((g) => !g.passed);
  const reasons = failed.length ? failed.map((g) => `${g.type}: ${g.detail}`) : [`score ${v.score} below ${ph.config.gate.passThreshold}`];
  const final = !ph.config.gate.autoFix || p.gateAttempt >= ph.config.gate.maxAttempts;
  const events: AnyNewEvent[] = [evaluated, newEvent('gate.failed', p.phase, { phase: p.phase, gateAttempt: p.gateAttempt, score: v.score, reasons, final })];
  if (!final) events.push(newEvent('autofix.requested', p.phase, { phase: p.phase, gateAttempt: p.gateAttempt, strategy: chooseAutoFix(failed, p.gateAttempt, ph.config.gate.maxAttempts), reasons }));
  return { events };
}

function withPhase(state: GateState, phase: string, p: GatePhaseState): GateState {
  return { ...state, phases: { ...state.phases, [phase]: p } };
}

function patchPhase(state: GateState, phase: string, patch: (p: GatePhaseState) => Partial<GatePhaseState>): GateState {
  const p = state.phases[phase];
  return p ? withPhase(state, phase, { ...p, ...patch(p) }) : state;
}
