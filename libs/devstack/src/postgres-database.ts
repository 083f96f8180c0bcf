import { InvalidDatabaseNameError } from './errors';
import { withPgClient } from './pg-client';

/**
 * Database-level helpers that work against any server URL, so they serve both private
 * servers and an external DATABASE_URL.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DUPLICATE_DATABASE = '42P04';

/** `serverUrl` with its database (path) replaced by `name`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Create an empty database; fails if it already exists. Returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  assertIdentifier(name);
  await withPgClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  return databaseUrl(serverUrl, name);
}

/** Create the database unless it exists (tolerates a concurrent creator). Returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  assertIdentifier(name);
  await withPgClient(serverUrl, async (client) => {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rows.length > 0) return;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } catch (error) {
      if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
    }
  });
  return databaseUrl(serverUrl, name);
}

/** Drop the database if it exists, disconnecting its sessions (PostgreSQL 13+). */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertIdentifier(name);
  await withPgClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

function assertIdentifier(name: string): void {
  if (!IDENTIFIER.test(name)) throw new InvalidDatabaseNameError(name);
}
