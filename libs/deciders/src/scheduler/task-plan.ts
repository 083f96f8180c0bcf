import { sha256Hex, PhaseConfig } from '@ideamine/contracts';
import type { PhaseRunState, TaskEntry } from './state';

export const taskIdOf = (runId: string, phase: string, gateAttempt: number, agent: string, iteration: number, shard: number) =>
  `t-${sha256Hex(`${runId}|${phase}|${gateAttempt}|${agent}|${iteration}|${shard}`).slice(0, 24)}`;

/** Every task the phase will run in this gate attempt: agents x iterations x shards. */
export function planTasks(runId: string, config: PhaseConfig, gateAttempt: number, shards = config.shards ?? 1): TaskEntry[] {
  const iterations = config.parallelism === 'iterative' ? (config.iterations ?? 3) : 1;
  const tasks: TaskEntry[] = [];
  for (let iteration = 0; iteration < iterations; iteration++) {
    for (const agent of config.agents) {
      for (let shard = 0; shard < shards; shard++) {
        tasks.push({ taskId: taskIdOf(runId, config.phase, gateAttempt, agent, iteration, shard), agent, iteration, shard, status: 'planned', attempt: 0, claimed: false, tailSeq: 0 });
      }
    }
  }
  return tasks;
}

/**
 * The planned tasks that may start now under the phase's parallelism:
 * sequential one at a time in order; parallel all; N at most N in flight; iterative one round
 * (all agents of an iteration) at a time, each round after the previous one finished.
 */
export function dispatchable(state: PhaseRunState): TaskEntry[] {
  const p = state.config.parallelism;
  const planned = state.tasks.filter((t) => t.status === 'planned');
  // A task parked by its budget still holds its place: it runs again after an extension.
  const inFlight = state.tasks.filter((t) => t.status === 'scheduled' || t.status === 'parked').length;
  if (planned.length === 0) return [];
  if (p === 'parallel') return planned;
  if (p === 'sequential') return inFlight === 0 ? planned.slice(0, 1) : [];
  if (p === 'iterative') {
    // A failed (quarantined) task does not hold its round open.
    const unfinished = state.tasks.filter((t) => t.status === 'planned' || t.status === 'scheduled' || t.status === 'parked');
    const round = Math.min(...unfinished.map((t) => t.iteration));
    return inFlight === 0 ? planned.filter((t) => t.iteration === round) : [];
  }
  return planned.slice(0, Math.max(0, p - inFlight));
}

/** Splits a list of work items into shards of at most `maxPerShard`, keeping order. */
export function shardItems<T>(items: T[], maxPerShard: number): T[][] {
  if (maxPerShard < 1) throw new RangeError('maxPerShard must be >= 1');
  const shards: T[][] = [];
  for (let i = 0; i < items.length; i += maxPerShard) shards.push(items.slice(i, i + maxPerShard));
  return shards.length ? shards : [[]];
}
