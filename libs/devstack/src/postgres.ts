import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPostgresBin } from './binaries';
import { ServerStartError } from './errors';
import { readLogTail } from './log-tail';
import { connectPg } from './pg-client';
import { freePort } from './ports';
import { createDatabase, databaseUrl, dropDatabase, ensureDatabase } from './postgres-database';
import { handOverToPostgres, postgresRunAs } from './postgres-user';
import {
  describeExit,
  killServerProcessTree,
  spawnServer,
  stopServerProcess,
  type RunAs,
  type ServerProcess,
} from './server-process';

export interface PostgresOptions {
  /** Working directory of this server: holds `data/` (the cluster) and `postgres.log`. */
  dir: string;
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /**
   * false trades durability on power loss for speed (fsync and full_page_writes off). A killed
   * postgres still loses no acknowledged commit: its WAL writes are in the OS page cache.
   */
  fsync?: boolean;
  /** How long to wait for `SELECT 1` to succeed. */
  startTimeoutMs?: number;
}

export interface PostgresHandle {
  /** postgres://postgres@127.0.0.1:<port>/ideamine */
  readonly url: string;
  /** postgres://postgres@127.0.0.1:<port>/postgres, for DDL on databases */
  readonly adminUrl: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** pid of the current postmaster; changes on restart(). */
  readonly pid: number;
  /** Fast shutdown (SIGINT: disconnect clients, checkpoint) and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL the postmaster and its backends at once and wait: a crash. */
  kill(): Promise<void>;
  /** Start again on the same port and data dir (stops it first if still running). */
  restart(): Promise<void>;
  /** Create an empty database; returns its URL. */
  createDatabase(name: string): Promise<string>;
  dropDatabase(name: string): Promise<void>;
}

export const DEFAULT_DATABASE = 'ideamine';
const DEFAULT_START_TIMEOUT_MS = 20_000;
const LOG_TAIL_LINES = 20;
/** sockaddr_un.sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export async function startPostgres(opts: PostgresOptions): Promise<PostgresHandle> {
  const postgresBin = findPostgresBin('postgres');
  const dir = path.resolve(opts.dir);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const port = opts.port ?? (await freePort());
  const fsync = opts.fsync ?? true;
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const runAs = postgresRunAs();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;

  // Parents get the default mode: the postgres user (when we are root) must be able to enter them.
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700); // postgres refuses a data dir that others can read
  handOverToPostgres([dataDir], runAs);
  if (fs.readdirSync(dataDir).length === 0) await initCluster(dataDir, logFile, fsync, runAs);

  const socketDir = chooseSocketDir(dataDir, port);
  const args = ['-D', dataDir, '-p', String(port), '-k', socketDir.path, '-c', 'listen_addresses=127.0.0.1'];
  // Not synchronous_commit=off: it acknowledges commits before their WAL leaves shared memory,
  // so a kill -9 within ~200 ms loses acknowledged rows (postgres.spec.ts caught exactly that).
  // fsync/full_page_writes off only matter for an OS crash or power loss, never a killed process.
  if (!fsync) args.push('-c', 'fsync=off', '-c', 'full_page_writes=off');

  const launch = async (): Promise<ServerProcess> => {
    socketDir.prepare(runAs);
    const proc = spawnServer(postgresBin, args, { logFile, cwd: dataDir, runAs });
    await waitUntilAcceptingQueries(proc, adminUrl, logFile, timeoutMs);
    return proc;
  };

  let current = await launch();
  try {
    await ensureDatabase(adminUrl, DEFAULT_DATABASE);
  } catch (error) {
    await stopServerProcess(current, 'SIGINT');
    throw error;
  }

  return {
    url: databaseUrl(adminUrl, DEFAULT_DATABASE),
    adminUrl,
    port,
    dataDir,
    logFile,
    get pid() {
      return current.pid;
    },
    async stop() {
      await stopServerProcess(current, 'SIGINT');
      socketDir.cleanUp();
    },
    async kill() {
      await killServerProcessTree(current);
    },
    async restart() {
      await stopServerProcess(current, 'SIGINT');
      current = await launch();
    },
    createDatabase: (name) => createDatabase(adminUrl, name),
    dropDatabase: (name) => dropDatabase(adminUrl, name),
  };
}

async function initCluster(dataDir: string, logFile: string, fsync: boolean, runAs: RunAs | undefined): Promise<void> {
  const args = ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C'];
  if (!fsync) args.push('--no-sync');
  const proc = spawnServer(findPostgresBin('initdb'), args, { logFile, cwd: dataDir, runAs });
  const info = await proc.exited;
  if (info.code !== 0) {
    throw new ServerStartError('initdb', logFile, readLogTail(logFile, LOG_TAIL_LINES), describeExit(info));
  }
}

interface SocketDir {
  path: string;
  /** (Re)create it for the server user; a restart after stop() needs it again. */
  prepare(runAs: RunAs | undefined): void;
  cleanUp(): void;
}

/**
 * Postgres puts its Unix socket (handy for `psql -h <dir>` while debugging; we connect over
 * TCP) in the -k dir. The socket path must fit sun_path, and a deep temp or checkout dir can
 * be too long, so fall back to a short private dir under the temp dir (or /tmp).
 */
function chooseSocketDir(dataDir: string, port: number): SocketDir {
  const socketName = `.s.PGSQL.${port}`;
  if (path.join(dataDir, socketName).length <= MAX_SOCKET_PATH) {
    return { path: dataDir, prepare: () => undefined, cleanUp: () => undefined };
  }
  const dirName = `im-pg-${port}-${process.pid}`;
  const fits = (base: string) => path.join(base, dirName, socketName).length <= MAX_SOCKET_PATH;
  const shortDir = path.join(fits(os.tmpdir()) ? os.tmpdir() : '/tmp', dirName);
  return {
    path: shortDir,
    prepare(runAs) {
      fs.mkdirSync(shortDir, { recursive: true, mode: 0o700 });
      if (runAs) fs.chownSync(shortDir, runAs.uid, runAs.gid);
    },
    cleanUp() {
      fs.rmSync(shortDir, { recursive: true, force: true });
    },
  };
}

/** Ready means a client can connect to the admin database and run SELECT 1 (which also waits out crash recovery). */
async function waitUntilAcceptingQueries(
  proc: ServerProcess,
  adminUrl: string,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  for (;;) {
    if (proc.hasExited()) {
      const info = await proc.exited;
      throw new ServerStartError('postgres', logFile, readLogTail(logFile, LOG_TAIL_LINES), describeExit(info));
    }
    try {
      const client = await connectPg(adminUrl, 1_000);
      try {
        await client.query('SELECT 1');
        return;
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      await killServerProcessTree(proc);
      throw new ServerStartError(
        'postgres',
        logFile,
        readLogTail(logFile, LOG_TAIL_LINES),
        `no successful SELECT 1 within ${timeoutMs} ms (last error: ${lastError})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
