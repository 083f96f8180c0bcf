import { defineProjection } from '../../projection/projection';
import { DossierEntity } from './dossiers.entity';

export const dossiersProjection = defineProjection({
  name: 'dossiers',
  version: 1,
  tables: { dossiers: DossierEntity },
  on: {
    'dossier.compiled': (e, t) => {
      const p = e.envelope.payload;
      t.dossiers.upsert({ runId: e.envelope.runId }, (r) => ({
        runId: e.envelope.runId, version: p.version, signature: p.signature, completeness: p.completeness, missing: p.missing, json: p.json,
        html: p.html ?? null, pdf: p.pdf ?? null, compilations: (r?.compilations ?? 0) + 1, compiledAt: new Date(e.envelope.occurredAt),
      }));
    },
  },
});
