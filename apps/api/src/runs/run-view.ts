import type { PhaseEntity, RunEntity } from '@ideamine/persistence';

/** The public shape of a run. `blocked` is derived: a running run with a phase waiting on a person. */
export function toRunView(run: RunEntity, phases: PhaseEntity[]) {
  const blocked = run.status === 'running' && phases.some((p) => p.status === 'blocked');
  return {
    runId: run.runId,
    status: blocked ? 'blocked' : run.status,
    idea: run.idea,
    targetUsers: run.targetUsers,
    constraints: run.constraints,
    configSet: run.configSet,
    budget: run.budget,
    usage: run.usage,
    levels: run.levels,
    criticalPath: run.criticalPath,
    estimatedMinutes: run.estimatedMinutes,
    reason: run.reason,
    dossier: run.dossier ? { version: run.dossier.version, completeness: run.dossier.completeness, missing: run.dossier.missing, signature: run.dossier.signature } : null,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    phases: [...phases]
      .sort((a, b) => a.level - b.level || a.phase.localeCompare(b.phase))
      .map((p) => ({
        phase: p.phase, status: p.status, level: p.level, dependsOn: p.dependsOn, agents: p.agents, parallelism: p.parallelism,
        startedAt: p.startedAt, finishedAt: p.finishedAt, score: p.score, gateAttempts: p.gateAttempts,
        progress: { done: p.tasksDone, total: p.tasksTotal }, usage: p.usage, reason: p.reason,
      })),
  };
}
