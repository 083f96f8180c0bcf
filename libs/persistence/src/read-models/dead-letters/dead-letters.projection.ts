import { parseEventSubject } from '@ideamine/contracts';
import { defineProjection } from '../../projection/projection';
import { DeadLetterEntity, SkippedEventEntity } from './dead-letters.entity';

export const deadLettersProjection = defineProjection({
  name: 'dead-letters',
  version: 1,
  tables: { deadLetters: DeadLetterEntity, skipped: SkippedEventEntity },
  on: {
    'task.quarantined': (e, t) => {
      const p = e.envelope.payload;
      t.deadLetters.insert({
        seq: String(e.seq), source: 'task.quarantined', subject: e.subject, runId: e.envelope.runId, taskId: p.taskId, phase: p.phase, agent: p.agent,
        attempt: p.attempt, reason: p.reason, occurredAt: new Date(e.envelope.occurredAt),
      });
    },
  },
  onRejected: (r, t) => {
    t.deadLetters.insert({
      seq: String(r.seq), source: 'projector', subject: r.subject, runId: parseEventSubject(r.subject)?.runId ?? null, taskId: null, phase: null, agent: null,
      attempt: null, reason: r.reason, occurredAt: null,
    });
  },
  onUnknown: (u, t) => {
    t.skipped.insert({ seq: String(u.seq), type: u.type, eventId: u.eventId, runId: u.runId, subject: u.subject });
  },
});
