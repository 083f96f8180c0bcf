import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ENTITIES } from './read-models/registry';

/** Migrations are compiled with the rest to dist/migrations; this file is dist/libs/persistence/src. */
export const MIGRATIONS_GLOB = join(__dirname, '..', '..', '..', 'migrations', '*.{js,ts}');

export function createDataSource(url: string, opts: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    migrationsTableName: 'im_migrations',
    synchronize: false,
    logging: false,
    extra: { max: opts.poolSize ?? 5, connectionTimeoutMillis: 5000 },
  });
}

const MIGRATION_LOCK = 7_270_001;

/** Applies pending migrations under an advisory lock, so replicas starting together take turns. */
export async function migrate(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await qr.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await qr.release();
  }
}
