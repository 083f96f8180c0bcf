import type { DataSource, ObjectLiteral } from 'typeorm';
import { PoisonEventError } from '../errors';
import type { BatchContext, TableWriter } from './projection';
import type { AnyProjectedEvent } from './messages';
import { deleteByKeys, EntityClass, insertRows, keyOf, rowFromDb, selectByKeys, TableShape, tableShape, upsertRows } from './table-shape';
import type { Sql } from './sql';

/** Which event (and projection) a change came from, so a failure names it. */
export interface Origin {
  seq: number;
  event?: AnyProjectedEvent;
  projection: string;
}

interface Op {
  key: string;
  keyRow: ObjectLiteral;
  fn: (row: ObjectLiteral | undefined) => ObjectLiteral | undefined;
  origin: Origin;
}

/** A statement that Postgres refused, labelled with the table (and so the projection) it wrote. */
export class StatementFailedError extends Error {
  readonly code = 'IM_STATEMENT_FAILED';
  constructor(readonly label: string, readonly sqlState: string | undefined, readonly driverError: unknown) {
    super(`${label}: ${(driverError as Error)?.message ?? String(driverError)}`);
  }
}

export async function runStatement(q: Sql, label: string, text: string, params: unknown[]): Promise<any> {
  try {
    return await q.query(text, params);
  } catch (err) {
    const e = err as { driverError?: { code?: string }; code?: string };
    throw new StatementFailedError(label, e.driverError?.code ?? e.code, err);
  }
}

class PendingTable<E extends ObjectLiteral> implements TableWriter<E> {
  readonly ops: Op[] = [];
  readonly inserts = new Map<string, E>();
  readonly appends: E[] = [];
  constructor(readonly shape: TableShape, private readonly origin: () => Origin) {}

  upsert(key: Partial<E>, fn: (row: E | undefined) => E | undefined): void {
    for (const k of this.shape.key) {
      const v = (key as ObjectLiteral)[k.prop];
      if (v === undefined || v === null) throw new Error(`${this.shape.table}: key ${k.prop} missing in upsert`);
    }
    this.ops.push({ key: keyOf(this.shape, key), keyRow: key, fn: fn as Op['fn'], origin: this.origin() });
  }

  insert(row: E): void {
    const k = keyOf(this.shape, row);
    if (!this.inserts.has(k)) this.inserts.set(k, row);
  }

  append(row: E): void {
    this.appends.push(row);
  }
}

const ABSENT = Symbol('absent');
type Cached = ObjectLiteral | typeof ABSENT;

/**
 * Rows as this writer last committed them (or knew them absent), per table, least recently used
 * evicted. Valid only while nobody else writes the tables: the writer clears it whenever a
 * checkpoint is not where it left it. Saves the read of rows touched again in the next batches.
 */
export class RowCache {
  private readonly tables = new Map<EntityClass, Map<string, Cached>>();
  /**
   * Every row of the tables is in the cache (they started empty and only this writer wrote them,
   * nothing was evicted): a key it does not have is a row that does not exist, no read needed.
   */
  complete = false;
  constructor(private readonly perTable = 100_000) {}

  get(entity: EntityClass, key: string): Cached | undefined {
    const t = this.tables.get(entity);
    const v = t?.get(key);
    if (v !== undefined) {
      t!.delete(key);
      t!.set(key, v);
    }
    return v;
  }

  apply(changes: Map<EntityClass, Map<string, ObjectLiteral | undefined>>): void {
    for (const [entity, rows] of changes) {
      let t = this.tables.get(entity);
      if (!t) this.tables.set(entity, (t = new Map()));
      for (const [k, row] of rows) {
        t.delete(k);
        t.set(k, row ?? ABSENT);
      }
      for (const k of t.keys()) {
        if (t.size <= this.perTable) break;
        t.delete(k);
        this.complete = false;
      }
    }
  }

  clear(): void {
    this.tables.clear();
    this.complete = false;
  }
}

/**
 * The changes of one batch, per table: every keyed row the batch touches is read with one SELECT,
 * folded in memory in stream order, and written back with one multi-row upsert; appends go in one
 * INSERT … ON CONFLICT DO NOTHING. So a batch costs a few statements per table, not per event.
 */
export class BatchTables implements BatchContext {
  private readonly pending = new Map<EntityClass, PendingTable<ObjectLiteral>>();
  private current: Origin = { seq: 0, projection: '' };
  statements = 0;
  /** Final state of every keyed row this batch read or wrote, for the cache once committed. */
  readonly touched = new Map<EntityClass, Map<string, ObjectLiteral | undefined>>();

  constructor(private readonly ds: DataSource, readonly schema: string, private readonly q: Sql, private readonly cache?: RowCache) {}

  /** Set by the projection loop before each handler call: changes are attributed to this event. */
  at(origin: Origin): void {
    this.current = origin;
  }

  table<E extends ObjectLiteral>(entity: EntityClass<E>): TableWriter<E> {
    let t = this.pending.get(entity);
    if (!t) {
      t = new PendingTable(tableShape(this.ds, entity), () => this.current);
      this.pending.set(entity, t);
    }
    return t as unknown as TableWriter<E>;
  }

  shape(entity: EntityClass): TableShape {
    return tableShape(this.ds, entity);
  }

  query(text: string, params?: unknown[]): Promise<any> {
    this.statements++;
    return this.q.query(text, params);
  }

  private async run(label: string, stmt: { text: string; params: unknown[] }): Promise<any> {
    this.statements++;
    return runStatement(this.q, label, stmt.text, stmt.params);
  }

  async flush(): Promise<void> {
    for (const t of this.pending.values()) {
      const label = `${this.schema}.${t.shape.table}`;
      if (t.ops.length) {
        const keyRows = new Map<string, ObjectLiteral>();
        for (const op of t.ops) if (!keyRows.has(op.key)) keyRows.set(op.key, op.keyRow);
        const stored = new Map<string, ObjectLiteral>();
        const unknown: ObjectLiteral[] = [];
        for (const [k, keyRow] of keyRows) {
          const c = this.cache?.get(t.shape.entity, k);
          if (c === undefined) unknown.push(keyRow);
          else if (c !== ABSENT) stored.set(k, c);
        }
        if (unknown.length && !this.cache?.complete) {
          for (const raw of await this.run(`${label} (read)`, selectByKeys(this.schema, t.shape, unknown))) {
            const row = rowFromDb(t.shape, raw);
            stored.set(keyOf(t.shape, row), row);
          }
        }
        const state = new Map<string, ObjectLiteral | undefined>(stored);
        const dirty = new Set<string>();
        for (const op of t.ops) {
          const before = state.get(op.key);
          let after: ObjectLiteral | undefined;
          try {
            after = op.fn(before);
          } catch (err) {
            throw new PoisonEventError(op.origin.seq, op.origin.event?.envelope.id, op.origin.event?.type, op.origin.projection, `${t.shape.table}: ${(err as Error).message}`);
          }
          if (after !== before) {
            state.set(op.key, after);
            dirty.add(op.key);
          }
        }
        const upserts: ObjectLiteral[] = [];
        const deletes: ObjectLiteral[] = [];
        for (const k of dirty) {
          const row = state.get(k);
          if (row) upserts.push(row);
          else if (stored.has(k)) deletes.push(keyRows.get(k)!);
        }
        const final = new Map<string, ObjectLiteral | undefined>();
        for (const k of keyRows.keys()) final.set(k, state.get(k));
        this.touched.set(t.shape.entity, final);
        if (upserts.length) await this.run(label, upsertRows(this.schema, t.shape, upserts, 'update'));
        if (deletes.length) await this.run(`${label} (delete)`, deleteByKeys(this.schema, t.shape, deletes));
      }
      if (t.inserts.size) await this.run(label, upsertRows(this.schema, t.shape, [...t.inserts.values()], 'ignore'));
      if (t.appends.length) await this.run(label, insertRows(this.schema, t.shape, t.appends));
    }
  }
}
