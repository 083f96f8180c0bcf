import type { ObjectLiteral } from 'typeorm';
import type { EventType } from '@ideamine/contracts';
import { PoisonEventError } from '../errors';
import type { AnyProjectedEvent, ProjectedEvent, RejectedMessage, UnknownTypeMessage } from './messages';
import type { EntityClass, TableShape } from './table-shape';

/** What a handler may do to one table within a batch. Nothing touches Postgres until the batch is written. */
export interface TableWriter<E extends ObjectLiteral> {
  /**
   * Folds the row with this key: `fn` gets the row as it stands after earlier changes of the batch
   * (or the stored row, or undefined) and returns the new row, the same object for no change, or
   * undefined to delete it. Keys come from the event alone, so all rows are fetched in one query.
   */
  upsert(key: Partial<E>, fn: (row: E | undefined) => E | undefined): void;
  /** Appends a row; a row with the same key already stored is kept (idempotent appends). */
  insert(row: E): void;
  /** Appends a row that must be new: a row with the same key is an error (the ledger's chain). */
  append(row: E): void;
}

/** A view or function over read-model tables, created in the live schema (and re-created after a swap). */
export interface SqlObject {
  name: string;
  kind: 'view' | 'function';
  /** CREATE OR REPLACE statement for the given schema. */
  create(schema: string): string;
}

/** Read-model tables, the handlers that fill them, and the SQL objects over them. */
export interface Projection {
  readonly name: string;
  /** Bump when the tables or what handlers write change: the projection then needs a replay. */
  readonly version: number;
  readonly entities: readonly EntityClass[];
  readonly canHandle: readonly EventType[];
  readonly sql: readonly SqlObject[];
  /** Extra DDL after its tables are created in a schema (triggers). */
  readonly ddl?: (schema: string) => string[];
  /** Present on the one projection that deduplicates events for the others. */
  readonly dedupe?: DedupeStore;
  open(): ProjectionSession;
}

export interface ProjectionBatch {
  /** First occurrences past this projection's checkpoint, in stream order. */
  events: AnyProjectedEvent[];
  rejected: RejectedMessage[];
  unknown: UnknownTypeMessage[];
}

export interface BatchContext {
  table<E extends ObjectLiteral>(entity: EntityClass<E>): TableWriter<E>;
  query(text: string, params?: unknown[]): Promise<any>;
  /** The table's columns and keys, read from its entity. */
  shape(entity: EntityClass): TableShape;
  /** Attributes the changes that follow to this event, so a failure names it. */
  at(origin: { seq: number; event?: AnyProjectedEvent; projection: string }): void;
  readonly schema: string;
}

/**
 * The table that tells first occurrences from republished duplicates (same event id, later stream
 * sequence): the events read model, or event_ids in a replay that does not rebuild it.
 */
export interface DedupeStore {
  /** Stores the events past its checkpoint; returns the sequences that were first occurrences. */
  insertNew(ctx: BatchContext, events: AnyProjectedEvent[]): Promise<Set<number>>;
  /** Of these sequences at or below its checkpoint, those stored (first occurrences). */
  stored(ctx: BatchContext, seqs: number[]): Promise<Set<number>>;
}

/** One projection bound to one writer; may keep in-memory state between batches (the ledger's tip). */
export interface ProjectionSession {
  fold(batch: ProjectionBatch, ctx: BatchContext): void | Promise<void>;
  /** The batch committed: keep what fold prepared. */
  committed(): void;
  /** Forget in-memory state: the batch rolled back, or another writer moved the checkpoint. */
  reset(): void;
}

type Writers<Tabs extends Record<string, EntityClass>> = { [K in keyof Tabs]: TableWriter<InstanceType<Tabs[K]>> };
type Handlers<Tabs extends Record<string, EntityClass>> = { [T in EventType]?: (e: ProjectedEvent<T>, t: Writers<Tabs>) => void };

export interface ProjectionDefinition<Tabs extends Record<string, EntityClass>> {
  name: string;
  version: number;
  tables: Tabs;
  /** One handler per event type handled; the keys are the projection's canHandle. */
  on: Handlers<Tabs>;
  onRejected?: (r: RejectedMessage, t: Writers<Tabs>) => void;
  onUnknown?: (u: UnknownTypeMessage, t: Writers<Tabs>) => void;
  sql?: SqlObject[];
  ddl?: (schema: string) => string[];
  dedupe?: DedupeStore;
}

function dispatch<Tabs extends Record<string, EntityClass>, T extends EventType>(on: Handlers<Tabs>, e: ProjectedEvent<T>, t: Writers<Tabs>): void {
  const handler: Handlers<Tabs>[T] = on[e.type];
  handler?.(e, t);
}

/** A projection made of pure per-event folds over keyed rows (every read model but the ledger). */
export function defineProjection<const Tabs extends Record<string, EntityClass>>(def: ProjectionDefinition<Tabs>): Projection {
  const canHandle = Object.keys(def.on) as EventType[];
  return {
    name: def.name,
    version: def.version,
    entities: Object.values(def.tables),
    canHandle,
    sql: def.sql ?? [],
    ddl: def.ddl,
    dedupe: def.dedupe,
    open: () => ({
      fold(batch, ctx) {
        const writers = {} as Writers<Tabs>;
        for (const k of Object.keys(def.tables) as (keyof Tabs)[]) writers[k] = ctx.table(def.tables[k]) as Writers<Tabs>[typeof k];
        const guarded = (seq: number, e: AnyProjectedEvent | undefined, f: () => void) => {
          ctx.at({ seq, event: e, projection: def.name });
          try {
            f();
          } catch (err) {
            if (err instanceof PoisonEventError) throw err;
            throw new PoisonEventError(seq, e?.envelope.id, e?.type, def.name, (err as Error).message);
          }
        };
        for (const e of batch.events) guarded(e.seq, e, () => dispatch(def.on, e, writers));
        const { onRejected, onUnknown } = def;
        if (onRejected) for (const r of batch.rejected) guarded(r.seq, undefined, () => onRejected(r, writers));
        if (onUnknown) for (const u of batch.unknown) guarded(u.seq, undefined, () => onUnknown(u, writers));
      },
      committed() {},
      reset() {},
    }),
  };
}

/** Handy in handlers: a copy of `row` with `patch` applied (keeps the row object immutable). */
export const patch = <E extends ObjectLiteral>(row: E, changes: Partial<E>): E => ({ ...row, ...changes });
