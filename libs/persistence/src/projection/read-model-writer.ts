import type { DataSource, QueryRunner } from 'typeorm';
import { PoisonEventError } from '../errors';
import { BatchTables, RowCache, StatementFailedError } from './batch-tables';
import type { Checkpoint } from './checkpoint.entity';
import { AnyProjectedEvent, decodeStreamMessage, DecodedMessage, messageIdentity, RejectedMessage, StreamMessage, UnknownTypeMessage } from './messages';
import type { Projection, ProjectionSession } from './projection';
import { assertSchemaName, quoteIdent, Sql } from './sql';

export interface BatchReport {
  /** Events projected (first occurrences of valid events of known types). */
  applied: number;
  /** Republished copies of an event already projected: left out. */
  duplicates: number;
  rejected: RejectedMessage[];
  unknown: UnknownTypeMessage[];
  /** Messages at or below every checkpoint (already projected): left out. */
  skipped: number;
  lastSeq: number;
  statements: number;
  /** Dedupe verdicts this batch established, for writers of other projections in the same run. */
  dedupe: DedupeHint;
}

/** For events of the batch with seq > `after`: first occurrences are those in `first`. */
export interface DedupeHint {
  after: number;
  first: Set<number>;
}

const emptyReport = (lastSeq: number): BatchReport => ({ applied: 0, duplicates: 0, rejected: [], unknown: [], skipped: 0, lastSeq, statements: 0, dedupe: { after: Infinity, first: new Set() } });

function merge(a: BatchReport, b: BatchReport): BatchReport {
  return {
    applied: a.applied + b.applied, duplicates: a.duplicates + b.duplicates, rejected: [...a.rejected, ...b.rejected], unknown: [...a.unknown, ...b.unknown],
    skipped: a.skipped + b.skipped, lastSeq: Math.max(a.lastSeq, b.lastSeq), statements: a.statements + b.statements,
    dedupe: { after: Math.min(a.dedupe.after, b.dedupe.after), first: new Set([...a.dedupe.first, ...b.dedupe.first]) },
  };
}

/**
 * SQLSTATE classes that mean "this data cannot be stored" (data exception, integrity constraint,
 * invalid text representation...): retrying the same batch gives the same answer, so the batch is
 * split to find the event. Anything else (connection lost, serialization failure, disk full) is
 * retried whole by the caller.
 */
const DATA_ERROR = /^(22|23|42)/;
const isDataError = (err: unknown): err is StatementFailedError => err instanceof StatementFailedError && DATA_ERROR.test(err.sqlState ?? '');

export interface WriterOptions {
  /** Off by default: a Postgres crash may lose the last batches, but their checkpoint goes with them, so they are projected again. */
  synchronousCommit?: boolean;
  /**
   * For a writer without the deduplicating projection (a replay writes groups of projections in
   * parallel): whose table says which events are first occurrences. Its writer must have committed
   * a batch before this one applies it (or pass its report's `dedupe` hint along).
   */
  dedupeFrom?: Projection;
  /** The tables are new and empty, and only this writer fills them (a replay started afresh). */
  freshTables?: boolean;
}

/** Decodes (and validates) a batch once, for any number of writers: sorted by sequence, repeats dropped. */
export function decodeBatch(messages: StreamMessage[]): DecodedMessage[] {
  const bySeq = new Map<number, StreamMessage>();
  for (const m of messages) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq).map(decodeStreamMessage);
}

/**
 * Applies batches of IM_EVENTS messages to a set of projections in one schema, exactly once: each
 * batch is one transaction that locks the projections' checkpoint rows, leaves out what they
 * already hold, writes every table with a few multi-row statements and stores the new positions.
 * Concurrent writers (replicas; a replay swapping tables in) serialize on those row locks, and a
 * writer that finds a checkpoint it did not write drops its in-memory state before going on.
 */
export class ReadModelWriter {
  private readonly sessions = new Map<string, ProjectionSession>();
  private readonly dedupe: Projection;
  private readonly ownsDedupe: boolean;
  /** Positions as this writer last committed them; a mismatch means someone else wrote. */
  private known = new Map<string, number>();
  private readonly cache = new RowCache();

  constructor(
    private readonly ds: DataSource,
    readonly schema: string,
    readonly projections: readonly Projection[],
    private readonly opts: WriterOptions = {},
  ) {
    assertSchemaName(schema);
    const dedupers = projections.filter((p) => p.dedupe);
    if (dedupers.length > 1 || (!dedupers.length && !opts.dedupeFrom?.dedupe)) {
      throw new Error(`a writer needs one deduplicating projection (events or event-ids), or dedupeFrom; got ${dedupers.map((p) => p.name).join(', ') || 'none'}`);
    }
    this.dedupe = dedupers[0] ?? opts.dedupeFrom!;
    this.ownsDedupe = dedupers.length === 1;
    for (const p of projections) this.sessions.set(p.name, p.open());
    this.cache.complete = opts.freshTables === true;
  }

  get names(): string[] {
    return this.projections.map((p) => p.name);
  }

  async checkpoints(q: Sql = this.ds, lock = false): Promise<Map<string, Checkpoint>> {
    const rows: { projection: string; version: number; last_seq: string; last_msg_id: string | null }[] = await q.query(
      `SELECT projection, version, last_seq, last_msg_id FROM ${quoteIdent(this.schema)}.checkpoint WHERE projection = ANY($1::text[])${lock ? ' ORDER BY projection FOR UPDATE' : ''}`,
      [this.names],
    );
    const out = new Map<string, Checkpoint>();
    for (const r of rows) out.set(r.projection, { projection: r.projection, version: r.version, lastSeq: Number(r.last_seq), lastMsgId: r.last_msg_id });
    for (const n of this.names) if (!out.has(n)) throw new Error(`projection ${n} has no checkpoint row in ${this.schema}; create its tables first (ensureReadModels)`);
    return out;
  }

  /** The lowest position of the set: where reading the stream resumes. */
  async position(): Promise<number> {
    return Math.min(...[...(await this.checkpoints()).values()].map((c) => c.lastSeq));
  }

  /**
   * Applies the messages (any order, repeats allowed). A valid event Postgres cannot store is
   * found by splitting the batch, everything before it is committed, and PoisonEventError names it.
   */
  async applyBatch(messages: StreamMessage[], qr?: QueryRunner): Promise<BatchReport> {
    return this.applyDecoded(decodeBatch(messages), { outer: qr });
  }

  /** As applyBatch, for a batch decoded once (decodeBatch) and shared by several writers. */
  async applyDecoded(decoded: DecodedMessage[], opts: { outer?: QueryRunner; hint?: DedupeHint } = {}): Promise<BatchReport> {
    if (!decoded.length) return emptyReport(0);
    try {
      return await this.transaction(decoded, opts);
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (decoded.length === 1) {
        const d = decoded[0];
        const ev = d.kind === 'event' ? d.event : undefined;
        throw new PoisonEventError(d.seq, ev?.envelope.id, ev?.type ?? (d.kind === 'unknown' ? d.unknown.type : undefined), err.label, (err.driverError as Error)?.message ?? err.message);
      }
      // Halves in their own transactions (savepoints inside a caller's transaction) until one
      // message is left: the poison. What comes before it is kept.
      const mid = Math.ceil(decoded.length / 2);
      const first = await this.applyDecoded(decoded.slice(0, mid), opts);
      return merge(first, await this.applyDecoded(decoded.slice(mid), opts));
    }
  }

  private async transaction(decoded: DecodedMessage[], opts: { outer?: QueryRunner; hint?: DedupeHint }): Promise<BatchReport> {
    const { outer } = opts;
    const qr = outer ?? this.ds.createQueryRunner();
    if (!outer) await qr.connect();
    const savepoint = outer ? `im_batch` : undefined;
    try {
      if (savepoint) await qr.query(`SAVEPOINT ${savepoint}`);
      else {
        await qr.startTransaction();
        if (!this.opts.synchronousCommit) await qr.query('SET LOCAL synchronous_commit = off');
      }
      const { report, tables } = await this.project(qr, decoded, opts.hint);
      if (savepoint) await qr.query(`RELEASE SAVEPOINT ${savepoint}`);
      else await qr.commitTransaction();
      for (const s of this.sessions.values()) s.committed();
      this.cache.apply(tables.touched);
      return report;
    } catch (err) {
      if (savepoint) await qr.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => undefined);
      else await qr.rollbackTransaction().catch(() => undefined);
      for (const s of this.sessions.values()) s.reset();
      this.known.clear();
      this.cache.clear();
      throw err;
    } finally {
      if (!outer) await qr.release();
    }
  }

  private async project(qr: QueryRunner, decoded: DecodedMessage[], hint?: DedupeHint): Promise<{ report: BatchReport; tables: BatchTables }> {
    const cps = await this.checkpoints(qr, true);
    for (const [name, cp] of cps) {
      // Someone else (a replica, a replay swap) moved this projection: in-memory state is stale.
      const fresh = this.known.size === 0 && cp.lastSeq === 0 && this.opts.freshTables;
      if (this.known.get(name) !== cp.lastSeq && !fresh) {
        this.sessions.get(name)!.reset();
        this.cache.clear();
      }
    }
    const floor = Math.min(...[...cps.values()].map((c) => c.lastSeq));
    const last = decoded[decoded.length - 1];
    const report = emptyReport(Math.max(floor, last.seq));
    const fresh = decoded.filter((d) => d.seq > floor);
    report.skipped = decoded.length - fresh.length;
    const tables = new BatchTables(this.ds, this.schema, qr, this.cache);
    tables.statements = 1;
    if (fresh.length) {
      const events: AnyProjectedEvent[] = [];
      const rejected: RejectedMessage[] = [];
      const unknown: UnknownTypeMessage[] = [];
      for (const d of fresh) {
        if (d.kind === 'event') events.push(d.event);
        else if (d.kind === 'rejected') rejected.push(d.rejected);
        else unknown.push(d.unknown);
      }
      const first = this.ownsDedupe
        ? await this.firstOccurrences(tables, cps.get(this.dedupe.name)!.lastSeq, events)
        : await this.firstOccurrencesFrom(tables, events, hint);
      report.dedupe = { after: this.ownsDedupe ? cps.get(this.dedupe.name)!.lastSeq : Infinity, first };
      const firsts = events.filter((e) => first.has(e.seq));
      report.applied = firsts.length;
      report.duplicates = events.length - firsts.length;
      report.rejected = rejected;
      report.unknown = unknown;
      for (const p of this.projections) {
        const after = cps.get(p.name)!.lastSeq;
        const past = <T extends { seq: number }>(xs: T[]) => (after > floor ? xs.filter((x) => x.seq > after) : xs);
        await this.sessions.get(p.name)!.fold({ events: past(firsts), rejected: past(rejected), unknown: past(unknown) }, tables);
      }
      await tables.flush();
    }
    const lastSeq = Math.max(last.seq, floor);
    await qr.query(
      `UPDATE ${quoteIdent(this.schema)}.checkpoint SET last_seq = GREATEST(last_seq, $2), last_msg_id = CASE WHEN last_seq < $2 THEN $3 ELSE last_msg_id END WHERE projection = ANY($1::text[])`,
      [this.names, lastSeq, messageIdentity(last.source)],
    );
    tables.statements++;
    this.known = new Map(this.names.map((n) => [n, Math.max(cps.get(n)!.lastSeq, lastSeq)]));
    report.lastSeq = lastSeq;
    report.statements = tables.statements + 2;
    return { report, tables };
  }

  /** Dedupe verdicts from the hint, and for events it does not cover, from the dedupe table. */
  private async firstOccurrencesFrom(tables: BatchTables, events: AnyProjectedEvent[], hint?: DedupeHint): Promise<Set<number>> {
    const first = new Set<number>();
    const ask: number[] = [];
    for (const e of events) {
      if (hint && e.seq > hint.after) {
        if (hint.first.has(e.seq)) first.add(e.seq);
      } else ask.push(e.seq);
    }
    if (ask.length) for (const s of await this.dedupe.dedupe!.stored(tables, ask)) first.add(s);
    return first;
  }

  /** Which events are first occurrences of their id (JetStream dedupes only within its 2-minute window). */
  private async firstOccurrences(tables: BatchTables, dedupeSeq: number, events: AnyProjectedEvent[]): Promise<Set<number>> {
    const store = this.dedupe.dedupe!;
    const seen = new Set<string>();
    const unique: AnyProjectedEvent[] = [];
    for (const e of events) {
      if (e.seq <= dedupeSeq || seen.has(e.envelope.id)) continue;
      seen.add(e.envelope.id);
      unique.push(e);
    }
    tables.at({ seq: unique[0]?.seq ?? 0, projection: this.dedupe.name });
    const first = unique.length ? await store.insertNew(tables, unique) : new Set<number>();
    const older = events.filter((e) => e.seq <= dedupeSeq).map((e) => e.seq);
    if (older.length) for (const s of await store.stored(tables, older)) first.add(s);
    return first;
  }
}
