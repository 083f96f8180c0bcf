import type { ArtifactRef } from '@ideamine/contracts';
import { defineProjection, TableWriter } from '../../projection/projection';
import type { ProjectedEvent } from '../../projection/messages';
import { ArtifactEntity } from './artifacts.entity';

function store(t: TableWriter<ArtifactEntity>, e: ProjectedEvent, ref: ArtifactRef, source: string, origin: { phase?: string; taskId?: string; agent?: string } = {}) {
  t.insert({
    runId: e.envelope.runId, sha256: ref.sha256, kind: ref.kind, source, bucket: ref.bucket, name: ref.name, size: String(ref.size), contentType: ref.contentType,
    phase: origin.phase ?? null, taskId: origin.taskId ?? null, agent: origin.agent ?? null, firstSeq: String(e.seq), storedAt: new Date(e.envelope.occurredAt),
  });
}

export const artifactsProjection = defineProjection({
  name: 'artifacts',
  version: 1,
  tables: { artifacts: ArtifactEntity },
  on: {
    'artifact.stored': (e, t) => {
      const p = e.envelope.payload;
      store(t.artifacts, e, p.artifact, 'artifact.stored', p);
    },
    'task.succeeded': (e, t) => {
      const p = e.envelope.payload;
      // Optional once results may travel inline (`output`); then there is no object to record.
      if (p.result) store(t.artifacts, e, p.result, 'task.result', p);
    },
    'phase.aggregated': (e, t) => store(t.artifacts, e, e.envelope.payload.evidencePack, 'evidence-pack', { phase: e.envelope.payload.phase }),
    'dossier.compiled': (e, t) => {
      const p = e.envelope.payload;
      for (const ref of [p.json, p.html, p.pdf]) if (ref) store(t.artifacts, e, ref, 'dossier');
    },
  },
});
