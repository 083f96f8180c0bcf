import { DataSource, QueryRunner, Table } from 'typeorm';
import { CheckpointEntity } from './checkpoint.entity';
import type { Projection, SqlObject } from './projection';
import { assertSchemaName, LIVE_SCHEMA, quoteIdent } from './sql';
import type { EntityClass } from './table-shape';

/** The entity's table, built by TypeORM from its metadata, placed in `schema` (same column order, key and index names). */
export function tableIn(ds: DataSource, entity: EntityClass, schema: string): Table {
  const t = Table.create(ds.getMetadata(entity), ds.driver);
  const meta = ds.getMetadata(entity);
  return new Table({
    name: `${assertSchemaName(schema)}.${meta.tableName}`,
    schema,
    columns: t.columns,
    indices: t.indices,
    uniques: t.uniques,
    checks: t.checks,
    exclusions: t.exclusions,
  });
}

/**
 * Creates the entities' tables in `schema`. With `indexes: false` only keys and unique constraints
 * are created (what ON CONFLICT needs): a replay builds the other indexes once its tables are full,
 * which is cheaper than keeping them up to date row by row.
 */
export async function createTables(qr: QueryRunner, ds: DataSource, schema: string, entities: readonly EntityClass[], opts: { indexes?: boolean } = {}): Promise<void> {
  for (const entity of entities) await qr.createTable(tableIn(ds, entity, schema), true, false, opts.indexes ?? true);
}

export async function createProjectionTables(qr: QueryRunner, ds: DataSource, schema: string, projections: readonly Projection[], opts: { indexes?: boolean } = {}): Promise<void> {
  for (const p of projections) {
    await createTables(qr, ds, schema, p.entities, opts);
    for (const stmt of p.ddl?.(schema) ?? []) await qr.query(stmt);
  }
}

/** Creates the entities' secondary indexes that are missing in `schema` (after a bulk load). */
export async function createMissingIndexes(qr: QueryRunner, ds: DataSource, schema: string, entities: readonly EntityClass[]): Promise<void> {
  for (const entity of entities) {
    const table = tableIn(ds, entity, schema);
    const name = ds.getMetadata(entity).tableName;
    for (const index of table.indices) {
      const cols = index.columnNames.map(quoteIdent).join(', ');
      await qr.query(`CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(index.name!)} ON ${quoteIdent(schema)}.${quoteIdent(name)} (${cols})${index.where ? ` WHERE ${index.where}` : ''}`);
    }
  }
}

const sqlObjects = (projections: readonly Projection[]): SqlObject[] => projections.flatMap((p) => p.sql);

/** Views and functions over the read models, in registry order (after every table exists). */
export async function createSqlObjects(qr: QueryRunner, schema: string, projections: readonly Projection[]): Promise<void> {
  for (const o of sqlObjects(projections)) {
    await qr.query('SAVEPOINT im_sql_object');
    try {
      await qr.query(o.create(schema));
      await qr.query('RELEASE SAVEPOINT im_sql_object');
    } catch {
      // CREATE OR REPLACE cannot change a view's columns or a function's result type: drop, create.
      await qr.query('ROLLBACK TO SAVEPOINT im_sql_object');
      await qr.query(`DROP ${o.kind === 'view' ? 'VIEW' : 'FUNCTION'} IF EXISTS ${quoteIdent(schema)}.${quoteIdent(o.name)} CASCADE`);
      await qr.query(o.create(schema));
    }
  }
}

export async function dropViews(qr: QueryRunner, schema: string, projections: readonly Projection[]): Promise<void> {
  for (const o of sqlObjects(projections).filter((x) => x.kind === 'view').reverse()) {
    await qr.query(`DROP VIEW IF EXISTS ${quoteIdent(schema)}.${quoteIdent(o.name)} CASCADE`);
  }
}

export interface StaleProjection {
  name: string;
  storedVersion: number;
  codeVersion: number;
}

/** Serializes DDL on the live schema: projectors starting (ensure) and a replay swapping tables in. */
export const SCHEMA_LOCK = 7_270_002;

/**
 * Creates what is missing in the live schema: the schema, the checkpoint table, the tables of any
 * projection without a checkpoint row (it starts at 0 and the projector fills it), and every view
 * and function. A projection whose stored version differs from the code's is reported, not
 * touched: its tables are rebuilt by `ideamine replay --projection NAME`.
 */
export async function ensureReadModels(ds: DataSource, projections: readonly Projection[], qrIn?: QueryRunner): Promise<{ created: string[]; stale: StaleProjection[] }> {
  const qr = qrIn ?? ds.createQueryRunner();
  if (!qrIn) await qr.connect();
  const s = quoteIdent(LIVE_SCHEMA);
  try {
    if (!qrIn) await qr.startTransaction();
    await qr.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await qr.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await createTables(qr, ds, LIVE_SCHEMA, [CheckpointEntity]);
    const rows: { projection: string; version: number }[] = await qr.query(`SELECT projection, version FROM ${s}.checkpoint`);
    const stored = new Map(rows.map((r) => [r.projection, r.version]));
    const created: string[] = [];
    const stale: StaleProjection[] = [];
    for (const p of projections) {
      const v = stored.get(p.name);
      if (v === undefined) {
        await createProjectionTables(qr, ds, LIVE_SCHEMA, [p]);
        await qr.query(`INSERT INTO ${s}.checkpoint (projection, version, last_seq) VALUES ($1, $2, 0)`, [p.name, p.version]);
        created.push(p.name);
      } else if (v !== p.version) {
        stale.push({ name: p.name, storedVersion: v, codeVersion: p.version });
      }
    }
    await createSqlObjects(qr, LIVE_SCHEMA, projections);
    if (!qrIn) await qr.commitTransaction();
    return { created, stale };
  } catch (err) {
    if (!qrIn) await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    if (!qrIn) await qr.release();
  }
}
