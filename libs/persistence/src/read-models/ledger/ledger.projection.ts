import { EVENT_TYPES, sha256Hex } from '@ideamine/contracts';
import type { BatchContext, Projection, ProjectionBatch, ProjectionSession } from '../../projection/projection';
import { quoteIdent } from '../../projection/sql';
import { LedgerAnchorEntity, LedgerEntity } from './ledger.entity';
import { GENESIS_HASH, ledgerHash } from './ledger-chain';
import { LEDGER_SQL, ledgerGuardDdl } from './ledger.sql';

interface Tip {
  position: number;
  hash: string;
}

/**
 * Hashes in the process, the chain tip in memory: one INSERT per batch and no read of the previous
 * hash, except after start or when another writer moved the checkpoint (then reset() forgets it).
 */
class LedgerSession implements ProjectionSession {
  private tip?: Tip;
  private next?: Tip;

  private async load(ctx: BatchContext): Promise<Tip> {
    const s = quoteIdent(ctx.schema);
    const last: { position: string; hash: string }[] = await ctx.query(`SELECT position, hash FROM ${s}.ledger ORDER BY position DESC LIMIT 1`);
    if (last.length) return { position: Number(last[0].position), hash: last[0].hash };
    const anchor: { position: string; hash: string }[] = await ctx.query(`SELECT position, hash FROM ${s}.ledger_anchor ORDER BY position DESC LIMIT 1`);
    return anchor.length ? { position: Number(anchor[0].position), hash: anchor[0].hash } : { position: 0, hash: GENESIS_HASH };
  }

  async fold(batch: ProjectionBatch, ctx: BatchContext): Promise<void> {
    if (!batch.events.length) return;
    let { position, hash } = this.tip ?? (await this.load(ctx));
    const table = ctx.table(LedgerEntity);
    for (const e of batch.events) {
      ctx.at({ seq: e.seq, event: e, projection: 'ledger' });
      position++;
      const occurredAt = new Date(e.envelope.occurredAt).toISOString();
      const envelopeSha256 = sha256Hex(e.raw);
      const link = { position, seq: e.seq, eventId: e.envelope.id, runId: e.envelope.runId, type: e.type, occurredAt, envelopeSha256 };
      const h = ledgerHash(hash, link);
      table.append({ position: String(position), seq: String(e.seq), eventId: link.eventId, runId: link.runId, type: link.type, occurredAt: new Date(occurredAt), envelopeSha256, prevHash: hash, hash: h });
      hash = h;
    }
    this.next = { position, hash };
  }

  committed(): void {
    if (this.next) this.tip = this.next;
    this.next = undefined;
  }

  reset(): void {
    this.tip = undefined;
    this.next = undefined;
  }
}

export const ledgerProjection: Projection = {
  name: 'ledger',
  version: 1,
  entities: [LedgerEntity, LedgerAnchorEntity],
  canHandle: EVENT_TYPES,
  sql: LEDGER_SQL,
  ddl: ledgerGuardDdl,
  open: () => new LedgerSession(),
};
