import * as path from 'node:path';
import { startNatsServer, type NatsServerHandle } from './nats-server';
import { startPostgres, type PostgresHandle } from './postgres';

export interface LocalStackOptions {
  /** Private servers live in `<baseDir>/nats` and `<baseDir>/pg`; existing data there is reused. */
  baseDir: string;
  /** Passed to postgres; false for throwaway test data. */
  fsync?: boolean;
  /** Fixed ports (e.g. for a demo others connect to); free ports when omitted. */
  natsPort?: number;
  postgresPort?: number;
  /** Where NATS_URL / DATABASE_URL are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface LocalStack {
  natsUrl: string;
  databaseUrl: string;
  /** Present only when we started the server (NATS_URL was not set). */
  nats?: NatsServerHandle;
  /** Present only when we started the server (DATABASE_URL was not set). */
  postgres?: PostgresHandle;
  /** Stops the servers we started; external ones are left alone. */
  stop(): Promise<void>;
}

/**
 * NATS + Postgres for a demo or a test run: external servers from NATS_URL / DATABASE_URL
 * when given (e.g. docker compose), otherwise private ones started from the local binaries.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const env = opts.env ?? process.env;
  const externalNats = nonEmpty(env.NATS_URL);
  const externalDatabase = nonEmpty(env.DATABASE_URL);

  // Start both at once; if one fails, stop the other so nothing is left running.
  const [natsResult, postgresResult] = await Promise.allSettled([
    externalNats ? undefined : startNatsServer({ dir: path.join(opts.baseDir, 'nats'), port: opts.natsPort }),
    externalDatabase
      ? undefined
      : startPostgres({ dir: path.join(opts.baseDir, 'pg'), port: opts.postgresPort, fsync: opts.fsync }),
  ]);
  const nats = natsResult.status === 'fulfilled' ? natsResult.value : undefined;
  const postgres = postgresResult.status === 'fulfilled' ? postgresResult.value : undefined;
  const stop = async () => {
    await Promise.all([nats?.stop(), postgres?.stop()]);
  };
  if (natsResult.status === 'rejected' || postgresResult.status === 'rejected') {
    await stop();
    throw natsResult.status === 'rejected' ? natsResult.reason : (postgresResult as PromiseRejectedResult).reason;
  }

  return {
    natsUrl: externalNats ?? (nats as NatsServerHandle).url,
    databaseUrl: externalDatabase ?? (postgres as PostgresHandle).url,
    nats,
    postgres,
    stop,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}
