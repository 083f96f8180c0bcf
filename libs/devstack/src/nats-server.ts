import * as fs from 'node:fs';
import * as path from 'node:path';
import { findNatsServer } from './binaries';
import { ServerStartError } from './errors';
import { httpStatus } from './http-probe';
import { readLogTail } from './log-tail';
import { freePort } from './ports';
import {
  describeExit,
  killServerProcessTree,
  spawnServer,
  stopServerProcess,
  type ServerProcess,
} from './server-process';

export interface NatsServerOptions {
  /** Working directory of this server: holds `jetstream/` (the store) and `nats.log`. */
  dir: string;
  /** Client port; a free one when omitted. */
  port?: number;
  /** HTTP monitoring port (serves /healthz); a free one when omitted. */
  monitorPort?: number;
  /** How long to wait for /healthz to answer 200. */
  startTimeoutMs?: number;
}

export interface NatsServerHandle {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  /** The JetStream store directory (-sd). */
  readonly storeDir: string;
  readonly logFile: string;
  /** pid of the current process; changes on restart(). */
  readonly pid: number;
  /** SIGTERM and wait for exit (SIGKILL if it hangs). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit: a crash. */
  kill(): Promise<void>;
  /** Start again on the same ports with the same store dir (stops it first if still running). */
  restart(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 20;

export async function startNatsServer(opts: NatsServerOptions): Promise<NatsServerHandle> {
  const bin = findNatsServer();
  const dir = path.resolve(opts.dir);
  const storeDir = path.join(dir, 'jetstream');
  const logFile = path.join(dir, 'nats.log');
  fs.mkdirSync(storeDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const timeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '-m', String(monitorPort)];

  const launch = async (): Promise<ServerProcess> => {
    const proc = spawnServer(bin, args, { logFile, cwd: dir });
    await waitUntilHealthy(proc, monitorPort, logFile, timeoutMs);
    return proc;
  };

  let current = await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    logFile,
    get pid() {
      return current.pid;
    },
    async stop() {
      await stopServerProcess(current, 'SIGTERM');
    },
    async kill() {
      await killServerProcessTree(current);
    },
    async restart() {
      await stopServerProcess(current, 'SIGTERM');
      current = await launch();
    },
  };
}

/**
 * Ready means /healthz answers 200, which on 2.9+ also covers JetStream having loaded its
 * store. Fails fast if the process exits (port taken, bad store) and kills it on timeout, so
 * a failed start never leaves a server behind.
 */
async function waitUntilHealthy(
  proc: ServerProcess,
  monitorPort: number,
  logFile: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const healthUrl = `http://127.0.0.1:${monitorPort}/healthz`;
  for (;;) {
    if (proc.hasExited()) {
      const info = await proc.exited;
      throw new ServerStartError('nats-server', logFile, readLogTail(logFile, LOG_TAIL_LINES), describeExit(info));
    }
    if ((await httpStatus(healthUrl, 500)) === 200) return;
    if (Date.now() > deadline) {
      await killServerProcessTree(proc);
      throw new ServerStartError(
        'nats-server',
        logFile,
        readLogTail(logFile, LOG_TAIL_LINES),
        `${healthUrl} did not answer 200 within ${timeoutMs} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
