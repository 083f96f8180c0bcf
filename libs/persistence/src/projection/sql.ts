import { InvalidSchemaNameError } from '../errors';

/** The slice of a database connection the projection needs (a TypeORM QueryRunner fits). */
export interface Sql {
  query(text: string, params?: unknown[]): Promise<any>;
}

/** Live read models; a replay builds into REPLAY_SCHEMA and moves finished tables into LIVE_SCHEMA. */
export const LIVE_SCHEMA = 'rm';
export const REPLAY_SCHEMA = 'rm_replay';

export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new InvalidSchemaNameError(schema);
  return schema;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
