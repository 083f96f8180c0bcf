import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { asStream, generateWorkload, migratedDataSource, project } from '../../testing';
import { verifyLedger } from './ledger.verify';

/**
 * Tampering as a superuser: session_replication_role = replica switches the append-only trigger
 * off, as an attacker with the database's keys could. The chain must still give it away.
 */
describe('ledger', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const events = generateWorkload({ runs: 2, seed: 3 });
  const behindTheGuard = async (sql: string, params: unknown[] = []) => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.query(`SET session_replication_role = replica`);
      await qr.query(sql, params);
    } finally {
      await qr.query(`SET session_replication_role = origin`);
      await qr.release();
    }
  };

  beforeEach(async () => {
    await ds?.destroy();
    ds = await migratedDataSource(await infra().createDatabase(`ledger_${Math.random().toString(36).slice(2, 8)}`));
    await project(ds, asStream(events), 100);
    expect(await verifyLedger(ds, 'rm', 97)).toMatchObject({ ok: true, checked: events.length });
  });
  afterAll(async () => ds?.destroy());

  it('refuses updates, deletes and truncation', async () => {
    await expect(ds.query(`UPDATE rm.ledger SET type = 'x' WHERE position = 2`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM rm.ledger WHERE position = 2`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`TRUNCATE rm.ledger`)).rejects.toThrow(/append-only/);
  });

  it('names the first bad entry after a one-byte edit of a ledger row', async () => {
    await behindTheGuard(`UPDATE rm.ledger SET run_id = overlay(run_id placing (CASE WHEN substr(run_id, 3, 1) = 'f' THEN 'e' ELSE 'f' END) from 3 for 1) WHERE position = 211`);
    const v = await verifyLedger(ds, 'rm', 97);
    expect(v).toMatchObject({ ok: false, checked: 210, firstBad: { position: 211, seq: 211 } });
    expect(v.reason).toMatch(/entry #211 .* was altered/);
  });

  it('finds a one-byte edit of an event envelope (the bytes as published)', async () => {
    await behindTheGuard(`UPDATE rm.events SET envelope = replace(envelope::text, '"schemaVersion":1', '"schemaVersion":2')::json WHERE seq = 77`);
    const v = await verifyLedger(ds);
    expect(v).toMatchObject({ ok: false, firstBad: { position: 77 } });
    expect(v.reason).toMatch(/event of entry #77 .* was altered/);
  });

  it('names a removed entry', async () => {
    await behindTheGuard(`DELETE FROM rm.ledger WHERE position = 150`);
    const v = await verifyLedger(ds, 'rm', 97);
    expect(v).toMatchObject({ ok: false, checked: 149, firstBad: { position: 150, seq: null } });
    expect(v.reason).toMatch(/entry #150 is missing/);
  });

  it('names the first of two reordered entries', async () => {
    // Swap the content of entries 300 and 301, keeping the positions dense.
    await behindTheGuard(`UPDATE rm.ledger SET position = -position WHERE position IN (300, 301)`);
    await behindTheGuard(`UPDATE rm.ledger SET position = CASE position WHEN -300 THEN 301 ELSE 300 END WHERE position IN (-300, -301)`);
    const v = await verifyLedger(ds, 'rm', 97);
    expect(v).toMatchObject({ ok: false, checked: 299, firstBad: { position: 300 } });
    expect(v.reason).toMatch(/entry #300 .* does not follow entry #299/);
  });

  it('retention removes the oldest entries only, through the guard, and the chain still verifies from its anchor', async () => {
    const old = generateWorkload({ runs: 1, seed: 5, startTime: Date.now() - 20 * 86400_000 });
    const recent = generateWorkload({ runs: 1, seed: 6, startTime: Date.now() - 3600_000 });
    const other = await migratedDataSource(await infra().createDatabase('ledger_retention'));
    try {
      await project(other, asStream([...old, ...recent]), 100);
      const [{ removed }] = await other.query(`SELECT rm.cleanup_old_ledger_entries(10)::int AS removed`);
      expect(removed).toBe(old.length);
      expect(await verifyLedger(other, 'rm', 97)).toMatchObject({ ok: true, checked: recent.length, anchoredAt: old.length });
      // Only the prefix the function announced could go; a later entry is still protected.
      await expect(other.query(`DELETE FROM rm.ledger WHERE position = $1`, [old.length + 5])).rejects.toThrow(/append-only/);
      // And an anchor does not hide tampering after it.
      const qr = other.createQueryRunner();
      await qr.connect();
      await qr.query(`SET session_replication_role = replica`);
      await qr.query(`UPDATE rm.ledger SET hash = overlay(hash placing (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE position = $1`, [old.length + 1]);
      await qr.release();
      expect(await verifyLedger(other)).toMatchObject({ ok: false, firstBad: { position: old.length + 1 } });
    } finally {
      await other.destroy();
    }
  });
});
