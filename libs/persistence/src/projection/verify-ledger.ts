import type { DataSource } from 'typeorm';
import { canonicalJson, sha256Hex } from '@ideamine/contracts';
import { LedgerVerdict, verifyLedgerRows } from './ledger-hash';
import { LIVE_SCHEMA } from './sql';

/** Recomputes the whole chain and each event's payload hash from the stored rows. */
export async function verifyLedger(ds: DataSource, schema = LIVE_SCHEMA): Promise<LedgerVerdict> {
  const rows = await ds.query(`SELECT seq, event_id, run_id, type, payload_sha256, prev_hash, hash FROM ${schema}.ledger ORDER BY seq`);
  const payloads = await ds.query(`SELECT seq, payload FROM ${schema}.events`);
  const bySeq = new Map<number, string>(payloads.map((p: { seq: string; payload: unknown }) => [Number(p.seq), sha256Hex(canonicalJson(p.payload))]));
  return verifyLedgerRows(
    rows.map((r: any) => ({ seq: Number(r.seq), eventId: r.event_id, runId: r.run_id, type: r.type, payloadSha256: r.payload_sha256, prevHash: r.prev_hash, hash: r.hash })),
    (seq) => bySeq.get(seq),
  );
}
