import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createDatabase,
  startLocalStack,
  type LocalStack,
  type NatsServerHandle,
  type PostgresHandle,
} from '@ideamine/devstack';

/** Real NATS + Postgres for a test file: private servers in a temp dir, or NATS_URL / DATABASE_URL. */
export interface TestInfra {
  natsUrl: string;
  /** The `ideamine` database of the private server, or DATABASE_URL. */
  databaseUrl: string;
  /** Present when a private nats-server was started (restart/kill it to test recovery). */
  nats?: NatsServerHandle;
  /** Present when a private postgres was started. */
  postgres?: PostgresHandle;
  tmpDir: string;
  /** A fresh empty database on whichever server is in use; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops private servers and removes tmpDir (kept when IM_KEEP_TEST_DIRS=1, for post-mortems). */
  stop(): Promise<void>;
}

export async function startTestInfra(): Promise<TestInfra> {
  const tmpDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'ideamine-test-'));
  // mkdtemp makes it 0700; as root, postgres runs as the `postgres` user, which must enter it.
  await fs.promises.chmod(tmpDir, 0o755);
  const removeTmpDir = () =>
    process.env.IM_KEEP_TEST_DIRS === '1' ? Promise.resolve() : fs.promises.rm(tmpDir, { recursive: true, force: true });

  let stack: LocalStack;
  try {
    // Test data is throwaway: skip fsync. A killed server still loses no acknowledged write.
    stack = await startLocalStack({ baseDir: tmpDir, fsync: false });
  } catch (error) {
    await removeTmpDir();
    throw error;
  }

  const { natsUrl, databaseUrl, nats, postgres } = stack;
  let stopped: Promise<void> | undefined;
  return {
    natsUrl,
    databaseUrl,
    nats,
    postgres,
    tmpDir,
    createDatabase: (name) => (postgres ? postgres.createDatabase(name) : createDatabase(databaseUrl, name)),
    stop() {
      stopped ??= stack.stop().finally(removeTmpDir);
      return stopped;
    },
  };
}
