import { sha256Hex } from '@ideamine/contracts';
import { defineProjection } from '../../projection/projection';
import { KmapBindingEntity } from './knowledge-map.entity';

export const knowledgeMapProjection = defineProjection({
  name: 'knowledge-map',
  version: 1,
  tables: { bindings: KmapBindingEntity },
  on: {
    'kmap.delta': (e, t) => {
      const p = e.envelope.payload;
      for (const b of p.bindings) {
        t.bindings.upsert({ runId: e.envelope.runId, questionKey: sha256Hex(b.question) }, (r) => ({
          runId: e.envelope.runId, questionKey: sha256Hex(b.question), question: b.question, answer: b.answer, evidence: b.evidence, phase: p.phase,
          taskId: p.taskId, revisions: (r?.revisions ?? 0) + 1, firstSeq: r?.firstSeq ?? String(e.seq), lastSeq: String(e.seq), updatedAt: new Date(e.envelope.occurredAt),
        }));
      }
    },
  },
});
