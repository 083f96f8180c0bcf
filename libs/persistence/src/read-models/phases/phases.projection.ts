import type { PhaseConfig } from '@ideamine/contracts';
import { defineProjection, patch } from '../../projection/projection';
import type { ProjectedEvent } from '../../projection/messages';
import { PhaseEntity } from './phases.entity';

const at = (e: ProjectedEvent) => new Date(e.envelope.occurredAt);
const DONE = new Set(['completed', 'failed']);

const fresh = (runId: string, c: PhaseConfig, level: number): PhaseEntity => ({
  runId, phase: c.phase, status: 'pending', level, dependsOn: c.dependsOn, agents: c.agents, parallelism: String(c.parallelism),
  startedAt: null, finishedAt: null, score: null, gateAttempts: 0, tasksDone: 0, tasksTotal: 0, evidencePack: null, usage: null, reason: null,
});

/** Changes a phase that has not ended; a late copy of an earlier event (a duplicate decision) cannot reopen it. */
const open = (fn: (p: PhaseEntity) => PhaseEntity) => (p: PhaseEntity | undefined) => (p && !DONE.has(p.status) ? fn(p) : p);

export const phasesProjection = defineProjection({
  name: 'phases',
  version: 1,
  tables: { phases: PhaseEntity },
  on: {
    'run.planned': (e, t) => {
      const p = e.envelope.payload;
      const levelOf = new Map<string, number>();
      p.levels.forEach((names, i) => names.forEach((n) => levelOf.set(n, i)));
      for (const c of p.phases) t.phases.upsert({ runId: e.envelope.runId, phase: c.phase }, (row) => row ?? fresh(e.envelope.runId, c, levelOf.get(c.phase) ?? 0));
    },
    // phase.started carries the whole config, so a phase shows up even when run.planned is not in the stream.
    'phase.started': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, (row) => {
        const base = row ?? fresh(e.envelope.runId, p.config, 0);
        return DONE.has(base.status) ? base : patch(base, { status: 'running', startedAt: base.startedAt ?? at(e) });
      });
    },
    'phase.progress': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { tasksDone: p.done, tasksTotal: p.total })));
    },
    'phase.aggregated': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { status: 'gating', evidencePack: p.evidencePack, usage: p.usage, gateAttempts: p.gateAttempt })));
    },
    'gate.evaluated': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { score: p.score })));
    },
    'gate.failed': (e, t) => {
      const p = e.envelope.payload;
      if (p.final) return;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { status: 'fixing', reason: p.reasons.join('; ') })));
    },
    'autofix.started': (e, t) => {
      t.phases.upsert({ runId: e.envelope.runId, phase: e.envelope.payload.phase }, open((r) => patch(r, { status: 'running', tasksDone: 0 })));
    },
    'phase.completed': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { status: 'completed', finishedAt: at(e), score: p.score, evidencePack: p.evidencePack, reason: null })));
    },
    'phase.failed': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { status: 'failed', finishedAt: at(e), reason: p.reason })));
    },
    'phase.blocked': (e, t) => {
      const p = e.envelope.payload;
      t.phases.upsert({ runId: e.envelope.runId, phase: p.phase }, open((r) => patch(r, { status: 'blocked', reason: p.reason })));
    },
  },
});
