import { existsSync, readFileSync } from 'node:fs';
import { cpuDelta, parseProcStat, treeTicks, type CpuSnapshot, type ProcStat } from './proc-stat';

// Field layout of proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
// cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime ...
const line = (pid: number, comm: string, ppid: number, utime: number, stime: number, cutime = 0, cstime = 0, starttime = 500) =>
  `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} ${cutime} ${cstime} 20 0 1 0 ${starttime} 1000 100 18446744073709551615`;

describe('parseProcStat', () => {
  it('reads state, ppid and the four CPU times', () => {
    expect(parseProcStat(line(42, 'node', 7, 150, 30, 4, 2, 9999))).toEqual({ pid: 42, comm: 'node', state: 'S', ppid: 7, utime: 150, stime: 30, cutime: 4, cstime: 2, starttime: 9999 });
  });

  it('counts fields from the last ")" so a command name with spaces and parentheses does not shift them', () => {
    const s = parseProcStat(line(9, 'postgres: (walwriter) x', 3, 11, 12, 13, 14));
    expect(s.comm).toBe('postgres: (walwriter) x');
    expect([s.ppid, s.utime, s.stime, s.cutime, s.cstime]).toEqual([3, 11, 12, 13, 14]);
  });

  it('parses a real line of this process', () => {
    if (!existsSync('/proc/self/stat')) return; // not Linux
    const s = parseProcStat(readFileSync(`/proc/${process.pid}/stat`, 'utf8'));
    expect(s.pid).toBe(process.pid);
    expect(s.ppid).toBe(process.ppid);
    expect(s.utime + s.stime).toBeGreaterThan(0);
  });

  it('rejects text that is not a stat line', () => {
    expect(() => parseProcStat('garbage')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S')).toThrow(/field 4/);
  });
});

describe('treeTicks', () => {
  const procs: ProcStat[] = [
    parseProcStat(line(10, 'postgres', 1, 100, 50, 30, 20)), // postmaster: reaped children in cutime/cstime
    parseProcStat(line(11, 'postgres: backend', 10, 5, 5)),
    parseProcStat(line(12, 'postgres: checkpointer', 10, 1, 1)),
    parseProcStat(line(13, 'grandchild', 11, 2, 0)),
    parseProcStat(line(20, 'unrelated', 1, 999, 999)),
  ];

  it('adds up the process, its reaped children and every live descendant', () => {
    const r = treeTicks(10, procs, true);
    expect(r.ticks).toBe(100 + 50 + 30 + 20 + 10 + 2 + 2);
    expect(r.pids.sort()).toEqual([10, 11, 12, 13]);
  });

  it('counts only the process itself (utime + stime) without tree', () => {
    expect(treeTicks(10, procs, false).ticks).toBe(150);
  });

  it('is zero for a process that is gone', () => {
    expect(treeTicks(77, procs, true)).toEqual({ ticks: 0, pids: [] });
  });
});

describe('cpuDelta', () => {
  const snap = (at: number, byTarget: CpuSnapshot['byTarget']): CpuSnapshot => ({ at, byTarget });

  it('converts tick deltas to milliseconds with the clock rate and sums them', () => {
    const d = cpuDelta(
      snap(0, { a: { ticks: 100, pid: 1, starttime: 5, processes: 1 }, b: { ticks: 10, pid: 2, starttime: 6, processes: 3 } }),
      snap(2000, { a: { ticks: 250, pid: 1, starttime: 5, processes: 1 }, b: { ticks: 12, pid: 2, starttime: 6, processes: 2 } }),
      100,
    );
    expect(d.byTarget).toEqual({ a: 1500, b: 20 });
    expect(d.totalMs).toBe(1520);
    expect(d.wallMs).toBe(2000);
    expect(d.warnings).toEqual([]);
  });

  it('warns instead of going negative when a process restarted or disappeared', () => {
    const d = cpuDelta(
      snap(0, { a: { ticks: 500, pid: 1, starttime: 5, processes: 1 }, b: { ticks: 40, pid: 2, starttime: 6, processes: 1 } }),
      snap(1000, { a: { ticks: 30, pid: 1, starttime: 900, processes: 1 }, b: { ticks: 0, pid: 2, processes: 0 } }),
      100,
    );
    expect(d.byTarget).toEqual({ a: 300, b: 0 });
    expect(d.warnings).toEqual([expect.stringMatching(/^a: restarted/), expect.stringMatching(/^b: gone/)]);
  });
});
