import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes from /proc/<pid>/stat (Linux). Times are in clock ticks
 * (`getconf CLK_TCK`, usually 100 a second, so one tick is 10 ms): a figure is only as fine as a
 * tick, which is why the bench measures windows of seconds and divides by thousands of tasks.
 */

/** The fields of /proc/<pid>/stat the bench uses; times in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** User and system time of the process itself. */
  utime: number;
  stime: number;
  /** User and system time of its children that exited and were waited for (reaped). */
  cutime: number;
  cstime: number;
  /** Start time after boot, in ticks: tells a reused pid from the process measured before. */
  starttime: number;
}

/**
 * Parses one /proc/<pid>/stat line (proc(5)). The command name is in parentheses and may itself
 * contain spaces and ')', so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const field = (n: number) => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc/${pid}/stat: field ${n} is "${rest[n - 3]}"`);
    return v;
  };
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
    starttime: field(22),
  };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone, or no /proc
  }
}

/** Every process visible in /proc (a process that exits during the walk is skipped). */
export function listProcStats(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readProcStat(Number(e));
    if (s) out.push(s);
  }
  return out;
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK` (read once); 100 if getconf is missing, which is what Linux uses everywhere. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(v) && v > 0 ? v : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU ticks of a process and all its live descendants. Each process counts its own time plus that
 * of its reaped children (cutime/cstime): a Postgres backend that exits during the window moves
 * from "live child" to the postmaster's cutime, so the total stays monotonic and nothing is lost.
 * With `tree: false` only the process's own utime + stime count (the bench driver: its children
 * are measured as targets of their own).
 */
export function treeTicks(rootPid: number, all: readonly ProcStat[], tree: boolean): { ticks: number; pids: number[]; starttime?: number } {
  const byPid = new Map(all.map((s) => [s.pid, s]));
  const root = byPid.get(rootPid);
  if (!root) return { ticks: 0, pids: [] };
  if (!tree) return { ticks: root.utime + root.stime, pids: [rootPid], starttime: root.starttime };
  const children = new Map<number, ProcStat[]>();
  for (const s of all) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  let ticks = 0;
  const pids: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const s = queue.shift() as ProcStat;
    ticks += s.utime + s.stime + s.cutime + s.cstime;
    pids.push(s.pid);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return { ticks, pids, starttime: root.starttime };
}

/** One process (or process tree) whose CPU the bench charges to the work measured. */
export interface CpuTarget {
  /** Label in the report, e.g. "scheduler", "nats-server", "postgres". */
  name: string;
  pid: number;
  /** Include live descendants and reaped children (servers, services); false for the driver itself. */
  tree: boolean;
}

export interface CpuSnapshot {
  /** performance.now() when taken. */
  at: number;
  byTarget: Record<string, { ticks: number; pid: number; starttime?: number; processes: number }>;
}

export function takeCpuSnapshot(targets: readonly CpuTarget[], all: readonly ProcStat[] = listProcStats()): CpuSnapshot {
  const byTarget: CpuSnapshot['byTarget'] = {};
  for (const t of targets) {
    const r = treeTicks(t.pid, all, t.tree);
    const prev = byTarget[t.name];
    // Two targets with one name (replicas) add up.
    byTarget[t.name] = prev
      ? { ticks: prev.ticks + r.ticks, pid: prev.pid, starttime: prev.starttime, processes: prev.processes + r.pids.length }
      : { ticks: r.ticks, pid: t.pid, starttime: r.starttime, processes: r.pids.length };
  }
  return { at: performance.now(), byTarget };
}

export interface CpuDelta {
  wallMs: number;
  /** CPU milliseconds per target over the window, and their sum. */
  byTarget: Record<string, number>;
  totalMs: number;
  /** Targets whose process was missing at either end or was replaced (pid reused / restarted). */
  warnings: string[];
}

export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot, hz: number = clockTicksPerSecond()): CpuDelta {
  const byTarget: Record<string, number> = {};
  const warnings: string[] = [];
  let totalMs = 0;
  for (const [name, b] of Object.entries(after.byTarget)) {
    const a = before.byTarget[name];
    let ticks: number;
    if (!a || a.processes === 0) {
      warnings.push(`${name}: not running when the window opened`);
      ticks = b.ticks;
    } else if (b.processes === 0) {
      warnings.push(`${name}: gone when the window closed (its CPU is missing)`);
      ticks = 0;
    } else if (a.starttime !== b.starttime) {
      warnings.push(`${name}: restarted during the window (counted from its new start)`);
      ticks = b.ticks;
    } else {
      ticks = Math.max(0, b.ticks - a.ticks);
    }
    const ms = (ticks * 1000) / hz;
    byTarget[name] = ms;
    totalMs += ms;
  }
  return { wallMs: after.at - before.at, byTarget, totalMs, warnings };
}
