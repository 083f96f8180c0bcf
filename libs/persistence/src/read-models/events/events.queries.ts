import type { DataSource } from 'typeorm';
import type { Envelope } from '@ideamine/contracts';
import { decodeSeqCursor, Page, toPage } from '../../projection/cursor';

export interface RunEventsQuery {
  /** Stream sequence to start after (a nextCursor); from the run's first event when omitted. */
  cursor?: string;
  limit: number;
}

/**
 * A run's events in stream order, each envelope exactly as it was published (the json column keeps
 * the text), paginated by stream sequence: `nextCursor` is the sequence of the last one returned.
 */
export async function listRunEvents(ds: DataSource, runId: string, q: RunEventsQuery): Promise<Page<Envelope>> {
  const after = q.cursor ? decodeSeqCursor(q.cursor) : 0;
  const rows: { seq: string; envelope: string }[] = await ds.query(
    `SELECT seq, envelope::text AS envelope FROM rm.events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [runId, after, q.limit + 1],
  );
  const page = toPage(rows, q.limit, (r) => r.seq);
  return { items: page.items.map((r) => JSON.parse(r.envelope) as Envelope), nextCursor: page.nextCursor };
}

export interface TimelineEntry {
  seq: number;
  occurredAt: string;
  type: string;
  aggregate: string;
  aggregateId: string;
  sinceStartMs: number;
}

/** The run_timeline view: what happened in a run, in order, with the time since its first event. */
export async function runTimeline(ds: DataSource, runId: string, q: RunEventsQuery): Promise<Page<TimelineEntry>> {
  const after = q.cursor ? decodeSeqCursor(q.cursor) : 0;
  const rows: any[] = await ds.query(
    `SELECT seq, occurred_at, type, aggregate, aggregate_id, extract(epoch FROM since_start) * 1000 AS since_ms
     FROM rm.run_timeline WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [runId, after, q.limit + 1],
  );
  const entries = rows.map((r) => ({
    seq: Number(r.seq), occurredAt: (r.occurred_at as Date).toISOString(), type: r.type, aggregate: r.aggregate, aggregateId: r.aggregate_id, sinceStartMs: Math.round(Number(r.since_ms)),
  }));
  return toPage(entries, q.limit, (e) => String(e.seq));
}
