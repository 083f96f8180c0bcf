import { EVENT_TYPES } from '@ideamine/contracts';
import { defineProjection, DedupeStore } from '../../projection/projection';
import type { AnyProjectedEvent } from '../../projection/messages';
import { runStatement } from '../../projection/batch-tables';
import { quoteIdent } from '../../projection/sql';
import { upsertRows } from '../../projection/table-shape';
import { EventEntity, EventIdEntity } from './events.entity';
import { EVENTS_SQL } from './events.sql';

const row = (e: AnyProjectedEvent): EventEntity => ({
  seq: String(e.seq), id: e.envelope.id, runId: e.envelope.runId, type: e.type, subject: e.subject, aggregateId: e.envelope.aggregateId,
  occurredAt: new Date(e.envelope.occurredAt), envelope: e.raw,
});
const idRow = (e: AnyProjectedEvent): EventIdEntity => ({ id: e.envelope.id, seq: String(e.seq) });

/**
 * Deduplication by id through a table with a unique id: one INSERT … ON CONFLICT (id) DO NOTHING
 * RETURNING seq per batch says which events are first occurrences.
 */
function dedupeBy<E extends EventEntity | EventIdEntity>(entity: new () => E, toRow: (e: AnyProjectedEvent) => E): DedupeStore {
  return {
    async insertNew(ctx, events) {
      const shape = ctx.shape(entity);
      const stmt = upsertRows(ctx.schema, shape, events.map(toRow), 'ignore', ['id'], 'seq');
      const rows: { seq: string }[] = await runStatement(ctx, `${ctx.schema}.${shape.table}`, stmt.text, stmt.params);
      return new Set(rows.map((r) => Number(r.seq)));
    },
    async stored(ctx, seqs) {
      const shape = ctx.shape(entity);
      const text = `SELECT seq FROM ${quoteIdent(ctx.schema)}.${quoteIdent(shape.table)} WHERE seq = ANY($1::bigint[])`;
      const rows: { seq: string }[] = await runStatement(ctx, `${ctx.schema}.${shape.table}`, text, [seqs.map(String)]);
      return new Set(rows.map((r) => Number(r.seq)));
    },
  };
}

export const eventsProjection = defineProjection({
  name: 'events',
  version: 1,
  tables: { events: EventEntity },
  sql: EVENTS_SQL,
  // Rows are written by the dedupe step itself (one statement per batch); nothing else to fold.
  on: Object.fromEntries(EVENT_TYPES.map((t) => [t, () => undefined])),
  dedupe: dedupeBy(EventEntity, row),
});

/** Internal: dedupe for a replay that leaves the events table alone. Never swapped into the live schema. */
export const eventIdsProjection = defineProjection({
  name: 'event-ids',
  version: 1,
  tables: { ids: EventIdEntity },
  on: {},
  dedupe: dedupeBy(EventIdEntity, idRow),
});
