import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

describe('waivers read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();
  const expiresAt = new Date(Date.UTC(2026, 5, 1)).toISOString();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('waiver.granted', 'prd', { phase: 'prd', guard: 'grounding', reason: 'accepted risk', expiresAt, grantedBy: 'alice' });
    s.add('waiver.revoked', 'prd', { phase: 'prd', guard: 'grounding', reason: 'no longer needed' });
    s.add('waiver.expired', 'prd', { phase: 'prd', guard: 'grounding' }); // already revoked: stays revoked
    s.add('waiver.granted', 'qa', { phase: 'qa', guard: 'coverage', reason: 'beta', expiresAt, grantedBy: 'bob' });
    s.add('waiver.expired', 'qa', { phase: 'qa', guard: 'coverage' });
    s.add('waiver.granted', 'qa', { phase: 'qa', guard: 'coverage', reason: 'beta, again', expiresAt, grantedBy: 'bob' });
    await project(ds, s.messages(), 2);
  });
  afterAll(async () => ds?.destroy());

  it('keeps the state of each waiver: granted, revoked, expired, granted again', async () => {
    const rows = await ds.query(`SELECT phase, guard, status, reason, granted_by, grants, revoke_reason, expired_at IS NOT NULL AS expired FROM rm.waivers ORDER BY phase`);
    expect(rows).toEqual([
      { phase: 'prd', guard: 'grounding', status: 'revoked', reason: 'accepted risk', granted_by: 'alice', grants: 1, revoke_reason: 'no longer needed', expired: false },
      { phase: 'qa', guard: 'coverage', status: 'active', reason: 'beta, again', granted_by: 'bob', grants: 2, revoke_reason: null, expired: false },
    ]);
  });
});
