import type { EventEnvelope, Usage } from '@ideamine/contracts';

/** What happened, as opposed to what was produced: the dossier's cost, timeline, gates and waivers. */
export interface RunRecord {
  requestedAt: string | null;
  finishedAt: string | null;
  phases: { phase: string; startedAt: string | null; finishedAt: string | null; tasks: number; usage: Usage | null }[];
  gates: { phase: string; attempt: number; score: number; passThreshold: number | null; verdict: 'passed' | 'failed'; waived: boolean; issues: string[]; autofix: string | null }[];
  waivers: { phase: string; guard: string; event: 'granted' | 'revoked' | 'expired'; reason: string; by: string | null; expiresAt: string | null; at: string }[];
  producers: string[];
}

const FINISH = ['run.completed', 'run.failed', 'run.cancelled'];

/** Folds a run's events (stream order) into its record; pure, so the dossier stays reproducible. */
export function runRecordOf(events: EventEnvelope[]): RunRecord {
  const phases = new Map<string, RunRecord['phases'][number]>();
  const phase = (name: string) => {
    if (!phases.has(name)) phases.set(name, { phase: name, startedAt: null, finishedAt: null, tasks: 0, usage: null });
    return phases.get(name)!;
  };
  const gates = new Map<string, RunRecord['gates'][number]>();
  const waivers: RunRecord['waivers'] = [];
  const producers = new Set<string>();
  let requestedAt: string | null = null;
  let finishedAt: string | null = null;
  for (const e of events) {
    const p = e.payload as any;
    producers.add(`${e.producer.service}@${e.producer.version}`);
    if (e.type === 'run.requested') requestedAt ??= e.occurredAt;
    if (FINISH.includes(e.type)) finishedAt = e.occurredAt;
    if (e.type === 'phase.started') phase(p.phase).startedAt ??= e.occurredAt;
    if (e.type === 'phase.completed' || e.type === 'phase.failed') phase(p.phase).finishedAt = e.occurredAt;
    if (e.type === 'phase.aggregated') Object.assign(phase(p.phase), { tasks: p.taskCount, usage: p.usage });
    const key = `${p.phase}#${p.gateAttempt}`;
    if (e.type === 'gate.evaluated') {
      gates.set(key, {
        phase: p.phase, attempt: p.gateAttempt, score: p.score, passThreshold: p.passThreshold, verdict: p.score >= p.passThreshold ? 'passed' : 'failed', waived: false,
        issues: (p.guards as { type: string; passed: boolean; detail: string }[]).filter((g) => !g.passed).map((g) => `${g.type}: ${g.detail}`), autofix: null,
      });
    }
    const gate = gates.get(key);
    if (gate && e.type === 'gate.passed') Object.assign(gate, { verdict: 'passed', waived: p.waived });
    if (gate && e.type === 'gate.failed') Object.assign(gate, { verdict: 'failed', issues: p.reasons?.length ? p.reasons : gate.issues });
    if (gate && e.type === 'autofix.requested') gate.autofix = p.strategy;
    if (e.type === 'waiver.granted') waivers.push({ phase: p.phase, guard: p.guard, event: 'granted', reason: p.reason, by: p.grantedBy, expiresAt: p.expiresAt, at: e.occurredAt });
    if (e.type === 'waiver.revoked') waivers.push({ phase: p.phase, guard: p.guard, event: 'revoked', reason: p.reason, by: null, expiresAt: null, at: e.occurredAt });
    if (e.type === 'waiver.expired') waivers.push({ phase: p.phase, guard: p.guard, event: 'expired', reason: 'expired', by: null, expiresAt: null, at: e.occurredAt });
  }
  return { requestedAt, finishedAt, phases: [...phases.values()], gates: [...gates.values()], waivers, producers: [...producers].sort() };
}
