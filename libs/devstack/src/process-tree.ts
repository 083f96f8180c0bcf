import * as fs from 'node:fs';

/**
 * Linux process-tree helpers read from /proc. Postgres forks a backend per connection plus
 * helper processes; to simulate a crash of "the server" (and to leave nothing behind) we have
 * to kill those too, not only the postmaster we spawned. Where /proc is absent these degrade to
 * "no descendants".
 */

/** All live descendants of `rootPid` (children, grandchildren, ...). */
export function descendantPids(rootPid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const { pid, ppid } of listProcesses()) {
    const siblings = childrenOf.get(ppid) ?? [];
    siblings.push(pid);
    childrenOf.set(ppid, siblings);
  }
  const result: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const children = childrenOf.get(queue.shift() as number) ?? [];
    result.push(...children);
    queue.push(...children);
  }
  return result;
}

/** True while the process exists and is not a zombie (a zombie holds no files or shared memory). */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X';
  if (fs.existsSync('/proc/self/stat')) return false; // /proc works and the pid is gone
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Send a signal, ignoring "no such process" (it may have exited meanwhile). */
export function signalQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

function listProcesses(): { pid: number; ppid: number }[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const result: { pid: number; ppid: number }[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined) result.push({ pid: Number(entry), ppid: stat.ppid });
  }
  return result;
}

/** Fields of /proc/<pid>/stat; the command name may contain spaces and ')' so parse from the last ')'. */
function readStat(pid: number): { state: string; ppid: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], ppid: Number(fields[1]) };
}
