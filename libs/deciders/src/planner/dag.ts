import type { PhaseConfig } from '@ideamine/contracts';

export interface DagProblem {
  phase: string;
  reason: string;
}

export class InvalidDagError extends Error {
  readonly code = 'IM_INVALID_DAG';
  constructor(readonly problems: DagProblem[]) {
    super(problems.map((p) => `${p.phase}: ${p.reason}`).join('; '));
  }
}

export interface RunPlan {
  phases: PhaseConfig[];
  levels: string[][];
  criticalPath: string[];
  estimatedMinutes: number;
}

/** Missing, self and cyclic dependencies, all reported together. */
export function validateDag(phases: PhaseConfig[]): DagProblem[] {
  const names = new Set(phases.map((p) => p.phase));
  const problems: DagProblem[] = [];
  for (const p of phases) {
    for (const d of p.dependsOn) {
      if (d === p.phase) problems.push({ phase: p.phase, reason: 'depends on itself' });
      else if (!names.has(d)) problems.push({ phase: p.phase, reason: `depends on unknown phase "${d}"` });
    }
  }
  if (problems.length) return problems;
  const byName = new Map(phases.map((p) => [p.phase, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      problems.push({ phase: name, reason: `dependency cycle ${cycle.join(' -> ')}` });
      return;
    }
    state.set(name, 'visiting');
    for (const d of byName.get(name)!.dependsOn) visit(d, [...path, name]);
    state.set(name, 'done');
  };
  for (const p of [...phases].sort((a, b) => a.phase.localeCompare(b.phase))) {
    if (!problems.length) visit(p.phase, []);
  }
  return problems;
}

/** Level n holds the phases whose longest dependency chain has n links; a level's phases can overlap. */
export function computeLevels(phases: PhaseConfig[]): string[][] {
  const byName = new Map(phases.map((p) => [p.phase, p]));
  const depth = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    const deps = byName.get(name)!.dependsOn;
    const d = deps.length ? 1 + Math.max(...deps.map(depthOf)) : 0;
    depth.set(name, d);
    return d;
  };
  const levels: string[][] = [];
  for (const p of phases) (levels[depthOf(p.phase)] ??= []).push(p.phase);
  return levels.map((l) => l.sort());
}

/** The chain with the largest summed estimate: it bounds the run's duration. Ties break by name. */
export function computeCriticalPath(phases: PhaseConfig[]): { path: string[]; minutes: number } {
  const byName = new Map(phases.map((p) => [p.phase, p]));
  const best = new Map<string, { minutes: number; path: string[] }>();
  const longest = (name: string): { minutes: number; path: string[] } => {
    const known = best.get(name);
    if (known) return known;
    const p = byName.get(name)!;
    let pick = { minutes: 0, path: [] as string[] };
    for (const d of [...p.dependsOn].sort()) {
      const c = longest(d);
      if (c.minutes > pick.minutes) pick = c;
    }
    const result = { minutes: pick.minutes + p.estimatedMinutes, path: [...pick.path, name] };
    best.set(name, result);
    return result;
  };
  let overall = { minutes: 0, path: [] as string[] };
  for (const p of [...phases].sort((a, b) => a.phase.localeCompare(b.phase))) {
    const c = longest(p.phase);
    if (c.minutes > overall.minutes) overall = c;
  }
  return overall;
}

export function planRun(phases: PhaseConfig[]): RunPlan {
  const problems = validateDag(phases);
  if (problems.length) throw new InvalidDagError(problems);
  const { path, minutes } = computeCriticalPath(phases);
  const sorted = [...phases].sort((a, b) => a.phase.localeCompare(b.phase));
  return { phases: sorted, levels: computeLevels(sorted), criticalPath: path, estimatedMinutes: minutes };
}
