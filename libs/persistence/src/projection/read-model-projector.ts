import type { DataSource } from 'typeorm';
import { decodeMessage, EventEnvelope } from '@ideamine/contracts';
import { applyEvent } from './apply-event';
import { GENESIS_HASH } from './ledger-hash';
import { assertSchemaName, LIVE_SCHEMA, PROJECTION } from './sql';

export interface StoredEvent {
  seq: number;
  subject: string;
  data: Uint8Array;
}

export interface BatchResult {
  applied: number;
  duplicates: number;
  rejected: { seq: number; subject: string; reason: string }[];
  skipped: number;
  lastSeq: number;
}

/**
 * Applies batches of stream messages to the read models in one transaction each, together with the
 * stream position. The checkpoint row is locked first, so concurrent projectors (replicas, or a
 * rebuild swapping schemas) serialize, and messages at or below the stored position are skipped:
 * a crash between commit and ack, or a redelivery, can never apply an event twice.
 */
export class ReadModelProjector {
  constructor(private readonly ds: DataSource, private readonly schema = LIVE_SCHEMA) {
    assertSchemaName(schema);
  }

  async position(): Promise<number> {
    const rows = await this.ds.query(`SELECT last_seq FROM ${this.schema}.checkpoint WHERE projection = $1`, [PROJECTION]);
    return rows.length ? Number(rows[0].last_seq) : 0;
  }

  async applyBatch(batch: StoredEvent[]): Promise<BatchResult> {
    return this.ds.transaction(async (em) => {
      const q = { query: (text: string, params?: unknown[]) => em.query(text, params) };
      const cp = await q.query(`SELECT last_seq FROM ${this.schema}.checkpoint WHERE projection = $1 FOR UPDATE`, [PROJECTION]);
      let last = Number(cp[0]?.last_seq ?? 0);
      const tip = await q.query(`SELECT hash FROM ${this.schema}.ledger ORDER BY seq DESC LIMIT 1`);
      let prevHash: string = tip[0]?.hash ?? GENESIS_HASH;
      const result: BatchResult = { applied: 0, duplicates: 0, rejected: [], skipped: 0, lastSeq: last };
      for (const m of [...batch].sort((a, b) => a.seq - b.seq)) {
        if (m.seq <= last) {
          result.skipped++;
          continue;
        }
        let env: EventEnvelope;
        try {
          env = decodeMessage('evt', m.data) as EventEnvelope;
        } catch (err) {
          const reason = (err as Error).message;
          await q.query(`INSERT INTO ${this.schema}.rejected_events (seq, subject, reason) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, [m.seq, m.subject, reason]);
          result.rejected.push({ seq: m.seq, subject: m.subject, reason });
          last = m.seq;
          continue;
        }
        const r = await applyEvent(q, this.schema, m.seq, m.subject, env, prevHash);
        if (r.applied) result.applied++;
        else result.duplicates++;
        prevHash = r.hash;
        last = m.seq;
      }
      await q.query(`UPDATE ${this.schema}.checkpoint SET last_seq = $2 WHERE projection = $1`, [PROJECTION, last]);
      result.lastSeq = last;
      return result;
    });
  }
}
