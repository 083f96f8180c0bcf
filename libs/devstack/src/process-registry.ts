import type { ChildProcess } from 'node:child_process';
import { descendantPids, signalQuietly } from './process-tree';

/**
 * Every server process the dev stack spawns is registered here so that nothing outlives us:
 * a failed test, a crashed test worker or a demo that exits must not leave nats-server or
 * postgres holding ports and data dirs. The 'exit' hook runs synchronously (no awaits are
 * possible there), which is why killing is plain SIGKILL.
 */
const spawned = new Set<ChildProcess>();
let exitHookInstalled = false;

export function registerSpawned(child: ChildProcess): void {
  if (child.pid === undefined) return; // spawn failed; there is nothing to kill
  spawned.add(child);
  child.once('exit', () => {
    spawned.delete(child);
    // Drop the hook once idle so repeated starts (one per test file in a jest worker) do not
    // pile up 'exit' listeners.
    if (spawned.size === 0) uninstallExitHook();
  });
  installExitHook();
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

function installExitHook(): void {
  if (exitHookInstalled) return;
  process.on('exit', onProcessExit);
  exitHookInstalled = true;
}

function uninstallExitHook(): void {
  if (!exitHookInstalled) return;
  process.removeListener('exit', onProcessExit);
  exitHookInstalled = false;
}
