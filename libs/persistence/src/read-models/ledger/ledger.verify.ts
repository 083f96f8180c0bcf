import type { DataSource } from 'typeorm';
import { assertSchemaName, LIVE_SCHEMA, quoteIdent } from '../../projection/sql';
import { LedgerChecker, LedgerVerdict } from './ledger-chain';

export interface LedgerReport extends LedgerVerdict {
  /** Entries whose event row is gone (retention of rm.events): their chain link is checked, their envelope cannot be. */
  withoutEvent: number;
  anchoredAt: number;
}

/**
 * Recomputes the whole chain from the stored rows, page by page, and re-hashes each event's
 * envelope (in Postgres, so the envelopes never leave the database). Names the first bad entry.
 */
export async function verifyLedger(ds: DataSource, schema = LIVE_SCHEMA, pageSize = 5000): Promise<LedgerReport> {
  const s = quoteIdent(assertSchemaName(schema));
  const anchorRows: { position: string; hash: string }[] = await ds.query(`SELECT position, hash FROM ${s}.ledger_anchor ORDER BY position DESC LIMIT 1`);
  const anchor = anchorRows.length ? { position: Number(anchorRows[0].position), hash: anchorRows[0].hash } : undefined;
  const checker = new LedgerChecker(anchor);
  let after = anchor?.position ?? 0;
  let withoutEvent = 0;
  for (;;) {
    const rows: any[] = await ds.query(
      `SELECT l.position, l.seq, l.event_id, l.run_id, l.type, l.occurred_at, l.envelope_sha256, l.prev_hash, l.hash,
              encode(sha256(convert_to(e.envelope::text, 'UTF8')), 'hex') AS actual
       FROM ${s}.ledger l LEFT JOIN ${s}.events e ON e.seq = l.seq
       WHERE l.position > $1 ORDER BY l.position LIMIT $2`,
      [after, pageSize],
    );
    for (const r of rows) {
      if (r.actual === null) withoutEvent++;
      const verdict = checker.check(
        {
          position: Number(r.position), seq: Number(r.seq), eventId: r.event_id, runId: r.run_id, type: r.type,
          occurredAt: (r.occurred_at as Date).toISOString(), envelopeSha256: r.envelope_sha256, prevHash: r.prev_hash, hash: r.hash,
        },
        r.actual ?? undefined,
      );
      if (verdict) return { ...verdict, withoutEvent, anchoredAt: anchor?.position ?? 0 };
    }
    if (rows.length < pageSize) break;
    after = Number(rows[rows.length - 1].position);
  }
  return { ok: true, checked: checker.checked, withoutEvent, anchoredAt: anchor?.position ?? 0 };
}
