import { defineProjection, patch, TableWriter } from '../../projection/projection';
import type { ProjectedEvent } from '../../projection/messages';
import { PhaseMetricEntity } from './phase-metrics.entity';
import { PHASE_METRICS_SQL } from './phase-metrics.sql';

const round9 = (x: number) => Math.round(x * 1e9) / 1e9;

function metric(t: TableWriter<PhaseMetricEntity>, e: ProjectedEvent, phase: string, fn: (m: PhaseMetricEntity) => PhaseMetricEntity) {
  t.upsert({ runId: e.envelope.runId, phase }, (m) => fn(m ?? {
    runId: e.envelope.runId, phase, status: 'pending', startedAt: null, finishedAt: null, durationMs: null, tasksScheduled: 0, tasksSucceeded: 0,
    tasksFailed: 0, retries: 0, gateAttempts: 0, score: null, tokens: '0', usd: 0,
  }));
}

function finish(e: ProjectedEvent, status: string) {
  const at = new Date(e.envelope.occurredAt);
  return (m: PhaseMetricEntity) => (m.finishedAt ? m : patch(m, { status, finishedAt: at, durationMs: m.startedAt ? String(at.getTime() - m.startedAt.getTime()) : null }));
}

export const phaseMetricsProjection = defineProjection({
  name: 'phase-metrics',
  version: 1,
  tables: { metrics: PhaseMetricEntity },
  sql: PHASE_METRICS_SQL,
  on: {
    'phase.started': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, (m) => (m.startedAt ? m : patch(m, { status: 'running', startedAt: new Date(e.envelope.occurredAt) }))),
    'phase.completed': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, (m) => patch(finish(e, 'completed')(m), { score: e.envelope.payload.score })),
    'phase.failed': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, finish(e, 'failed')),
    'task.scheduled': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, (m) => patch(m, { tasksScheduled: m.tasksScheduled + 1 })),
    'task.succeeded': (e, t) => {
      const p = e.envelope.payload;
      metric(t.metrics, e, p.phase, (m) => patch(m, {
        tasksSucceeded: m.tasksSucceeded + 1,
        ...(p.replayed ? {} : { tokens: String(Number(m.tokens) + p.usage.tokens), usd: round9(m.usd + p.usage.usd) }),
      }));
    },
    'task.failed': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, (m) => patch(m, { tasksFailed: m.tasksFailed + 1 })),
    'task.retry_scheduled': (e, t) => metric(t.metrics, e, e.envelope.payload.phase, (m) => patch(m, { retries: m.retries + 1 })),
    'gate.evaluated': (e, t) => {
      const p = e.envelope.payload;
      metric(t.metrics, e, p.phase, (m) => patch(m, { gateAttempts: Math.max(m.gateAttempts, p.gateAttempt), score: p.score }));
    },
  },
});
