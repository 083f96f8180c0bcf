import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

const ref = (c: string, kind: string) => ({ bucket: 'im-artifacts', name: c.repeat(64), sha256: c.repeat(64), size: 1, contentType: 'application/json', kind });

describe('dossiers read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('dossier.compiled', '_', { version: '1.0.0', signature: 'a'.repeat(64), completeness: 80, missing: ['sbom'], json: ref('a', 'dossier.json'), html: ref('b', 'dossier.html'), causeId: '01900000-0000-7000-8000-00000000000d' });
    s.add('dossier.compiled', '_', { version: '1.0.1', signature: 'c'.repeat(64), completeness: 100, missing: [], json: ref('c', 'dossier.json'), pdf: ref('d', 'dossier.pdf'), causeId: '01900000-0000-7000-8000-00000000000d' });
    await project(ds, s.messages(), 1);
  });
  afterAll(async () => ds?.destroy());

  it('keeps the latest compilation of a run and how many there were', async () => {
    const [d] = await ds.query(`SELECT version, signature, completeness, missing, json, html, pdf, compilations FROM rm.dossiers WHERE run_id = $1`, [s.runId]);
    expect(d).toEqual({ version: '1.0.1', signature: 'c'.repeat(64), completeness: 100, missing: [], json: ref('c', 'dossier.json'), html: null, pdf: ref('d', 'dossier.pdf'), compilations: 2 });
  });
});
