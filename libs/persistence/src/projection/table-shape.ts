import type { DataSource, EntityMetadata, ObjectLiteral } from 'typeorm';
import { quoteIdent } from './sql';

/** An entity class: the one definition of a read-model table (columns, types, keys, indexes). */
export type EntityClass<E extends ObjectLiteral = ObjectLiteral> = new () => E;

type ValueKind = 'json' | 'jsonb' | 'timestamptz' | 'text' | 'plain';

export interface ColumnShape {
  prop: string;
  name: string;
  /** Postgres type as TypeORM normalises it, usable in an array cast (`$1::<type>[]`). */
  pgType: string;
  kind: ValueKind;
}

/**
 * What the batch writer needs to know about a table, read from the entity's TypeORM metadata so the
 * schema is written once (in the entity) and the multi-row statements follow it.
 */
export interface TableShape {
  entity: EntityClass;
  table: string;
  columns: ColumnShape[];
  key: ColumnShape[];
}

const shapes = new WeakMap<DataSource, Map<EntityClass, TableShape>>();

function kindOf(pgType: string): ValueKind {
  if (pgType === 'json') return 'json';
  if (pgType === 'jsonb') return 'jsonb';
  if (pgType === 'timestamp with time zone') return 'timestamptz';
  if (pgType === 'text' || pgType === 'character varying') return 'text';
  return 'plain';
}

export function tableShape(ds: DataSource, entity: EntityClass): TableShape {
  let byEntity = shapes.get(ds);
  if (!byEntity) shapes.set(ds, (byEntity = new Map()));
  const cached = byEntity.get(entity);
  if (cached) return cached;
  const meta: EntityMetadata = ds.getMetadata(entity);
  const columns = meta.columns.map((c) => {
    const pgType = ds.driver.normalizeType(c);
    return { prop: c.propertyName, name: c.databaseName, pgType, kind: kindOf(pgType) };
  });
  const key = meta.primaryColumns.map((pc) => columns.find((c) => c.name === pc.databaseName)!);
  const shape = { entity, table: meta.tableName, columns, key };
  byEntity.set(entity, shape);
  return shape;
}

// Postgres text and jsonb cannot hold U+0000, which JSON allows ("\u0000"). Such a value would stop
// the projection on a row it could store otherwise, so it is stored as U+FFFD, the replacement
// character. json columns keep the exact text (json accepts the escape), so the ledger still
// verifies against the bytes as published.
const NUL = /\u0000/g;
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;
const sanitizeText = (s: string) => (s.includes('\u0000') ? s.replace(NUL, '\ufffd') : s);
const sanitizeJsonText = (s: string) => (s.includes('\\u0000') ? s.replace(NUL_ESCAPE, '$1\\ufffd') : s);

/** A JS value as the parameter of an array cast of the column's type. */
export function toParam(col: ColumnShape, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (col.kind) {
    case 'json':
      // json columns hold the exact text as published: handlers pass the raw JSON string.
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'jsonb':
      return sanitizeJsonText(JSON.stringify(v));
    case 'timestamptz':
      return v instanceof Date ? v.toISOString() : v;
    case 'text':
      return typeof v === 'string' ? sanitizeText(v) : v;
    default:
      return v;
  }
}

export function keyOf(shape: TableShape, row: ObjectLiteral): string {
  if (shape.key.length === 1) return String(row[shape.key[0].prop]);
  return JSON.stringify(shape.key.map((k) => row[k.prop]));
}

export function rowFromDb(shape: TableShape, raw: Record<string, unknown>): ObjectLiteral {
  const out: ObjectLiteral = {};
  for (const c of shape.columns) out[c.prop] = raw[c.name] ?? null;
  return out;
}

const qualified = (schema: string, shape: TableShape) => `${quoteIdent(schema)}.${quoteIdent(shape.table)}`;

/** Columns as parallel arrays (Postgres array literals), one bind parameter per column: for key reads. */
function columnArrays(shape: TableShape, cols: ColumnShape[], rows: ObjectLiteral[]): unknown[] {
  return cols.map((c) => rows.map((r) => toParam(c, r[c.prop])));
}

function unnestOf(cols: ColumnShape[]): string {
  return `unnest(${cols.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ')})`;
}

/**
 * Rows for a write, as one JSON array per column. JSON.stringify (native) is several times cheaper
 * in Node than node-postgres' array literals (an escape per quote of every value), Postgres parses
 * each array once, and for a json column json_array_elements keeps each element's exact text.
 */
function jsonColumns(cols: ColumnShape[], rows: ObjectLiteral[]): string[] {
  return cols.map((c) => {
    if (c.kind === 'json') return `[${rows.map((r) => (toParam(c, r[c.prop]) as string | null) ?? 'null').join(',')}]`;
    if (c.kind === 'jsonb') return sanitizeJsonText(JSON.stringify(rows.map((r) => r[c.prop] ?? null)));
    return JSON.stringify(rows.map((r) => toParam(c, r[c.prop])));
  });
}

function selectFromJson(cols: ColumnShape[]): string {
  const from = cols.map((c, i) => (c.kind === 'json' || c.kind === 'jsonb' ? `json_array_elements($${i + 1}::json)` : `json_array_elements_text($${i + 1}::json)`));
  const select = cols.map((c, i) => {
    const v = `u.c${i + 1}`;
    if (c.kind === 'json') return `CASE WHEN json_typeof(${v}) = 'null' THEN NULL ELSE ${v} END`;
    if (c.kind === 'jsonb') return `CASE WHEN json_typeof(${v}) = 'null' THEN NULL ELSE ${v}::jsonb END`;
    return `${v}::${c.pgType}`;
  });
  return `SELECT ${select.join(', ')} FROM ROWS FROM (${from.join(', ')}) AS u(${cols.map((_, i) => `c${i + 1}`).join(', ')})`;
}

/** SELECT of the rows with these keys (one statement for the whole batch). */
export function selectByKeys(schema: string, shape: TableShape, keyRows: ObjectLiteral[]): { text: string; params: unknown[] } {
  if (shape.key.some((k) => k.kind === 'json')) throw new Error(`${shape.table}: a json column cannot be a key`);
  const params = columnArrays(shape, shape.key, keyRows);
  const cols = shape.key.map((k) => quoteIdent(k.name)).join(', ');
  const text = shape.key.length === 1
    ? `SELECT * FROM ${qualified(schema, shape)} WHERE ${cols} = ANY($1::${shape.key[0].pgType}[])`
    : `SELECT * FROM ${qualified(schema, shape)} WHERE (${cols}) IN (SELECT * FROM ${unnestOf(shape.key)})`;
  return { text, params };
}

/**
 * One multi-row INSERT … SELECT FROM ROWS FROM (json_array_elements…) ON CONFLICT for many rows: `update` replaces every
 * non-key column (rows were folded to their final state in memory), `ignore` keeps the existing row
 * (append-only tables), and `returning` names columns of the rows actually inserted.
 */
export function upsertRows(
  schema: string, shape: TableShape, rows: ObjectLiteral[], onConflict: 'update' | 'ignore', conflictColumns: string[] = shape.key.map((k) => k.name), returning?: string,
): { text: string; params: unknown[] } {
  const names = shape.columns.map((c) => quoteIdent(c.name)).join(', ');
  const nonKey = shape.columns.filter((c) => !shape.key.includes(c));
  const conflict = `ON CONFLICT (${conflictColumns.map(quoteIdent).join(', ')})`;
  const action = onConflict === 'update' && nonKey.length
    ? `${conflict} DO UPDATE SET ${nonKey.map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`).join(', ')}`
    : `${conflict} DO NOTHING`;
  const text = `INSERT INTO ${qualified(schema, shape)} (${names}) ${selectFromJson(shape.columns)} ${action}${returning ? ` RETURNING ${returning}` : ''}`;
  return { text, params: jsonColumns(shape.columns, rows) };
}

export function deleteByKeys(schema: string, shape: TableShape, keyRows: ObjectLiteral[]): { text: string; params: unknown[] } {
  const sel = selectByKeys(schema, shape, keyRows);
  return { text: sel.text.replace(/^SELECT \* FROM/, 'DELETE FROM'), params: sel.params };
}

/** A plain multi-row INSERT: a key that exists already fails the statement (and so the batch). */
export function insertRows(schema: string, shape: TableShape, rows: ObjectLiteral[]): { text: string; params: unknown[] } {
  const names = shape.columns.map((c) => quoteIdent(c.name)).join(', ');
  return { text: `INSERT INTO ${qualified(schema, shape)} (${names}) ${selectFromJson(shape.columns)}`, params: jsonColumns(shape.columns, rows) };
}
