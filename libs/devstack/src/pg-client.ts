/**
 * The slice of the `pg` package the dev stack uses. `@types/pg` is not installed in this repo,
 * so instead of a global `declare module 'pg'` (which would clash the day someone adds the real
 * types) this file types just what it needs and keeps the untyped require in one place.
 */
export interface PgQueryResult<Row> {
  rows: Row[];
  rowCount: number | null;
}

export interface PgClient {
  connect(): Promise<unknown>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<PgQueryResult<Row>>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface PgModule {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped package, see above
const pg = require('pg') as PgModule;

/** A connected client. Socket errors after connect (server killed) are swallowed: the next query fails instead of crashing the process. */
export async function connectPg(connectionString: string, connectTimeoutMs = 5_000): Promise<PgClient> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Connect, run `work`, always disconnect. */
export async function withPgClient<T>(connectionString: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await connectPg(connectionString);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
