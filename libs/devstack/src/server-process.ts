import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { descendantPids, signalQuietly, waitUntilGone } from './process-tree';
import { registerSpawned } from './process-registry';

/** uid/gid to run a child as; used to run postgres as the `postgres` user when we are root. */
export interface RunAs {
  uid: number;
  gid: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. EACCES). */
  error?: Error;
}

/** A spawned server whose stdout/stderr go to a log file. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves (never rejects) when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
}

export interface SpawnServerOptions {
  logFile: string;
  cwd: string;
  runAs?: RunAs;
}

/** How long a graceful stop may take before we fall back to SIGKILL. */
const GRACEFUL_STOP_MS = 15_000;

export function spawnServer(bin: string, args: readonly string[], opts: SpawnServerOptions): ServerProcess {
  // Append, so a restart keeps the log of the previous run (useful after a kill -9).
  fs.appendFileSync(opts.logFile, `--- ${new Date().toISOString()} starting ${bin} ${args.join(' ')}\n`);
  const logFd = fs.openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, [...args], {
      cwd: opts.cwd,
      stdio: ['ignore', logFd, logFd],
      uid: opts.runAs?.uid,
      gid: opts.runAs?.gid,
    });
  } finally {
    fs.closeSync(logFd); // the child holds its own copy of the descriptor
  }
  registerSpawned(child);

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve((exitInfo = { code, signal })));
    child.once('error', (error) => resolve((exitInfo = { code: null, signal: null, error })));
  });
  if (child.pid === undefined) {
    // spawn() reports failures asynchronously via 'error'; pid is then undefined.
    return { child, pid: -1, exited, hasExited: () => true };
  }
  return { child, pid: child.pid, exited, hasExited: () => exitInfo !== undefined };
}

/**
 * Graceful stop: send `signal` and wait for exit. If the server does not exit within the grace
 * period, kill it (and its children) so that stop() always completes.
 */
export async function stopServerProcess(proc: ServerProcess, signal: NodeJS.Signals): Promise<ExitInfo> {
  if (proc.hasExited()) return proc.exited;
  signalQuietly(proc.pid, signal);
  const timedOut = Symbol('timeout');
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    proc.exited,
    new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), GRACEFUL_STOP_MS))),
  ]);
  clearTimeout(timer);
  if (result !== timedOut) return result;
  return killServerProcessTree(proc);
}

/**
 * Crash simulation: SIGKILL the process and every descendant at the same instant, then wait
 * until all are gone, so a restart does not collide with leftovers (postgres refuses to start
 * while an old backend still holds its shared memory).
 */
export async function killServerProcessTree(proc: ServerProcess): Promise<ExitInfo> {
  if (proc.hasExited()) return proc.exited;
  const tree = [proc.pid, ...descendantPids(proc.pid)];
  for (const pid of tree) signalQuietly(pid, 'SIGKILL');
  const info = await proc.exited;
  await waitUntilGone(tree, 10_000);
  return info;
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not be spawned: ${info.error.message}`;
  return info.signal ? `exited on signal ${info.signal}` : `exited with code ${String(info.code)}`;
}
