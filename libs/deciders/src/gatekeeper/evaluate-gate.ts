import type { Guard, PhaseConfig, IdeaInput } from '@ideamine/contracts';
import { topKeywords } from '@ideamine/agents';

export interface GuardResult {
  type: string;
  passed: boolean;
  score: number;
  detail: string;
  waived?: boolean;
}

export interface Waiver {
  guard: string;
  reason: string;
  expiresAt: string;
}

export interface GateVerdict {
  score: number;
  passed: boolean;
  guards: GuardResult[];
  waived: boolean;
}

export function readPath(obj: unknown, path: string | undefined): unknown {
  if (!path) return obj;
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const clamp = (n: number) => Math.max(0, Math.min(1, n));
const round = (n: number) => Math.round(n * 1000) / 1000;

/** One guard against the phase's merged evidence. Pure. */
export function evaluateGuard(guard: Guard, merged: unknown, idea: IdeaInput): GuardResult {
  switch (guard.type) {
    case 'coverage': {
      const v = readPath(merged, guard.field);
      const n = Array.isArray(v) ? v.length : 0;
      const min = guard.min ?? 1;
      return { type: 'coverage', passed: n >= min, score: round(clamp(n / min)), detail: `${guard.field}: ${n} of at least ${min}` };
    }
    case 'grounding': {
      const keywords = topKeywords(idea.idea, 8);
      const text = JSON.stringify(merged ?? {}).toLowerCase();
      const found = keywords.filter((k) => text.includes(k));
      const share = keywords.length ? found.length / keywords.length : 1;
      const threshold = guard.threshold ?? 0.8;
      const missing = keywords.filter((k) => !found.includes(k));
      return { type: 'grounding', passed: share >= threshold, score: round(share), detail: `${found.length}/${keywords.length} idea terms grounded${missing.length ? `; missing: ${missing.join(', ')}` : ''}` };
    }
    case 'contradictions': {
      const v = readPath(merged, guard.field ?? 'contradictions');
      const n = Array.isArray(v) ? v.length : 0;
      const max = guard.max ?? 0;
      return { type: 'contradictions', passed: n <= max, score: n <= max ? 1 : round(clamp(1 - (n - max) / (n + 1))), detail: `${n} contradiction(s), at most ${max} allowed` };
    }
    case 'schema': {
      const v = readPath(merged, guard.field);
      const present = v !== undefined && v !== null && !(typeof v === 'object' && Object.keys(v as object).length === 0);
      return { type: 'schema', passed: present, score: present ? 1 : 0, detail: present ? `${guard.field} present` : `${guard.field} missing or empty` };
    }
    case 'security': {
      const findings = readPath(merged, guard.field ?? 'findings');
      const open = Array.isArray(findings)
        ? findings.filter((f: { severity?: string; status?: string }) => ['high', 'critical'].includes(String(f?.severity)) && f?.status !== 'mitigated')
        : [];
      const max = guard.max ?? 0;
      return { type: 'security', passed: open.length <= max, score: open.length <= max ? 1 : round(clamp(1 - open.length / 10)), detail: `${open.length} open high/critical finding(s), at most ${max} allowed` };
    }
    case 'threshold': {
      const v = Number(readPath(merged, guard.field));
      const min = guard.min ?? 0;
      const ok = Number.isFinite(v) && v >= min && (guard.max === undefined || v <= guard.max);
      return { type: 'threshold', passed: ok, score: Number.isFinite(v) ? round(clamp(min > 0 ? v / min : 1)) : 0, detail: `${guard.field} = ${Number.isFinite(v) ? v : 'missing'} (min ${min}${guard.max !== undefined ? `, max ${guard.max}` : ''})` };
    }
  }
}

export const guardKey = (g: Guard) => (g.field ? `${g.type}:${g.field}` : g.type);

/**
 * Scores a phase's evidence: the gate passes when every guard passes (or is waived by an active,
 * unexpired waiver) and the mean guard score reaches the phase's pass threshold.
 */
export function evaluateGate(config: PhaseConfig, merged: unknown, idea: IdeaInput, waivers: Waiver[], now: Date): GateVerdict {
  const active = waivers.filter((w) => new Date(w.expiresAt) > now);
  const guards = config.guards.map((g) => {
    const r = evaluateGuard(g, merged, idea);
    const waiver = active.find((w) => w.guard === guardKey(g) || w.guard === g.type);
    return waiver && !r.passed ? { ...r, passed: true, waived: true, detail: `${r.detail} (waived: ${waiver.reason})` } : r;
  });
  const score = guards.length ? round(guards.reduce((a, g) => a + (g.waived ? 1 : g.score), 0) / guards.length) : 1;
  const passed = guards.every((g) => g.passed) && score >= config.gate.passThreshold;
  return { score, passed, guards, waived: guards.some((g) => g.waived) };
}

/** Which auto-fix fits the failures; the last attempt escalates to a person. */
export function chooseAutoFix(failed: GuardResult[], attempt: number, maxAttempts: number): string {
  if (attempt >= maxAttempts - 1) return 'manual-intervention';
  const types = new Set(failed.map((g) => g.type));
  if (types.has('security')) return 'rerun-security';
  if (types.has('grounding')) return 'rerun-qav';
  if (types.has('coverage') || types.has('schema')) return 'add-missing-agents';
  if (types.has('contradictions')) return 'stricter-validation';
  return 'reduce-scope';
}
