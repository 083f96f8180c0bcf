import { defineProjection, patch } from '../../projection/projection';
import { TimerEntity } from './timers.entity';
import { TIMERS_SQL } from './timers.sql';

export const timersProjection = defineProjection({
  name: 'timers',
  version: 1,
  tables: { timers: TimerEntity },
  sql: TIMERS_SQL,
  on: {
    'timer.scheduled': (e, t) => {
      const p = e.envelope.payload;
      t.timers.upsert({ runId: e.envelope.runId, timerId: p.timerId }, (r) => {
        const base = r ?? { runId: e.envelope.runId, timerId: p.timerId, status: 'pending', purpose: null, dueAt: null, scheduledAt: null, firedAt: null };
        return patch(base, { purpose: p.purpose, dueAt: new Date(p.dueAt), scheduledAt: base.scheduledAt ?? new Date(e.envelope.occurredAt) });
      });
    },
    // A timer fires once; a fired event without its scheduled one (cut history) still records the firing.
    'timer.fired': (e, t) => {
      const p = e.envelope.payload;
      t.timers.upsert({ runId: e.envelope.runId, timerId: p.timerId }, (r) => {
        const base = r ?? { runId: e.envelope.runId, timerId: p.timerId, status: 'pending', purpose: null, dueAt: null, scheduledAt: null, firedAt: null };
        return base.status === 'fired' ? base : patch(base, { status: 'fired', firedAt: new Date(p.firedAt) });
      });
    },
  },
});
