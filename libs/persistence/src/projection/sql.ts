/** The slice of a database connection the projection needs (a TypeORM QueryRunner fits). */
export interface Sql {
  query(text: string, params?: unknown[]): Promise<any>;
}

/** Read models live in one schema at a time: "rm" live, "rm_next" while a rebuild fills it. */
export const LIVE_SCHEMA = 'rm';
export const REBUILD_SCHEMA = 'rm_next';
export const PROJECTION = 'read-models';
export const PROJECTION_VERSION = 1;

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return schema;
}
