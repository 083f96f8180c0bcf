import type { ChildProcess } from 'node:child_process';
import { descendantPids, signalQuietly } from './process-tree';

/**
 * Every server process the dev stack spawns is registered here so that nothing outlives us:
 * a failed test, a crashed or force-killed test worker, or a demo that exits must not leave
 * nats-server or postgres holding ports and data dirs.
 *
 * - On 'exit' (process.exit, end of event loop, uncaught exception) we SIGKILL synchronously:
 *   no awaits are possible there.
 * - On SIGINT/SIGTERM/SIGHUP, which end Node without an 'exit' event, we do the same and then
 *   re-raise the signal, unless someone else listens for it (e.g. NestJS shutdown hooks): then
 *   they own the shutdown and our 'exit' hook covers us when they call process.exit().
 */

const TERMINATING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Marks our signal listeners (across module registries, e.g. several test files in one worker). */
const OWN_LISTENER = Symbol.for('ideamine.devstack.killSpawnedOnSignal');

const spawned = new Set<ChildProcess>();
let hooksInstalled = false;

export function registerSpawned(child: ChildProcess): void {
  if (child.pid === undefined) return; // spawn failed; there is nothing to kill
  spawned.add(child);
  child.once('exit', () => {
    spawned.delete(child);
    // Drop the hooks once idle so repeated starts (one per test file in a jest worker) do not
    // pile up listeners.
    if (spawned.size === 0) uninstallHooks();
  });
  installHooks();
}

/** SIGKILL every registered process that is still running, and its descendants. Returns how many were registered. */
export function killAllSpawned(): number {
  const victims = [...spawned];
  for (const child of victims) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    // Collect descendants before the parent dies, or they are reparented and lost from view.
    const tree = [child.pid, ...descendantPids(child.pid)];
    for (const pid of tree) signalQuietly(pid, 'SIGKILL');
  }
  return victims.length;
}

/** Number of registered processes still running; for tests and diagnostics. */
export function spawnedCount(): number {
  return spawned.size;
}

function onProcessExit(): void {
  killAllSpawned();
}

const onTerminatingSignal = Object.assign(
  (signal: NodeJS.Signals): void => {
    const foreign = process.listeners(signal).filter((listener) => !(OWN_LISTENER in listener));
    if (foreign.length > 0) return;
    killAllSpawned();
    uninstallHooks();
    // With our listener gone the default action applies: terminate, as if we were never here.
    process.kill(process.pid, signal);
  },
  { [OWN_LISTENER]: true },
);

function installHooks(): void {
  if (hooksInstalled) return;
  process.on('exit', onProcessExit);
  for (const signal of TERMINATING_SIGNALS) process.on(signal, onTerminatingSignal);
  hooksInstalled = true;
}

function uninstallHooks(): void {
  if (!hooksInstalled) return;
  process.removeListener('exit', onProcessExit);
  for (const signal of TERMINATING_SIGNALS) process.removeListener(signal, onTerminatingSignal);
  hooksInstalled = false;
}
