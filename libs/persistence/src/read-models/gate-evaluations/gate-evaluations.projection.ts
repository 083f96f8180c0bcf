import { defineProjection, patch } from '../../projection/projection';
import { GateEvaluationEntity } from './gate-evaluations.entity';
import { GATE_SQL } from './gate-evaluations.sql';

const blank = (runId: string, phase: string, gateAttempt: number): GateEvaluationEntity => ({
  runId, phase, gateAttempt, outcome: 'pending', score: null, passThreshold: null, guards: null, waived: false, reasons: null, final: false,
  autofixStrategy: null, evidencePack: null, evaluatedAt: null, decidedAt: null,
});

export const gateEvaluationsProjection = defineProjection({
  name: 'gate-evaluations',
  version: 1,
  tables: { gates: GateEvaluationEntity },
  sql: GATE_SQL,
  on: {
    'gate.evaluated': (e, t) => {
      const p = e.envelope.payload;
      t.gates.upsert({ runId: e.envelope.runId, phase: p.phase, gateAttempt: p.gateAttempt }, (r) =>
        patch(r ?? blank(e.envelope.runId, p.phase, p.gateAttempt), { score: p.score, passThreshold: p.passThreshold, guards: p.guards, evaluatedAt: new Date(e.envelope.occurredAt) }));
    },
    'gate.passed': (e, t) => {
      const p = e.envelope.payload;
      t.gates.upsert({ runId: e.envelope.runId, phase: p.phase, gateAttempt: p.gateAttempt }, (r) =>
        patch(r ?? blank(e.envelope.runId, p.phase, p.gateAttempt), { outcome: 'passed', score: p.score, waived: p.waived, evidencePack: p.evidencePack, decidedAt: new Date(e.envelope.occurredAt) }));
    },
    'gate.failed': (e, t) => {
      const p = e.envelope.payload;
      t.gates.upsert({ runId: e.envelope.runId, phase: p.phase, gateAttempt: p.gateAttempt }, (r) => {
        const base = r ?? blank(e.envelope.runId, p.phase, p.gateAttempt);
        return base.outcome === 'passed' ? base : patch(base, { outcome: 'failed', score: p.score, reasons: p.reasons, final: p.final, decidedAt: new Date(e.envelope.occurredAt) });
      });
    },
    'autofix.requested': (e, t) => {
      const p = e.envelope.payload;
      t.gates.upsert({ runId: e.envelope.runId, phase: p.phase, gateAttempt: p.gateAttempt }, (r) => patch(r ?? blank(e.envelope.runId, p.phase, p.gateAttempt), { autofixStrategy: p.strategy }));
    },
  },
});
