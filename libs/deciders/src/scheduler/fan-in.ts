import { canonicalJson, Aggregation } from '@ideamine/contracts';

export interface TaskOutput {
  agent: string;
  iteration: number;
  shard: number;
  output: unknown;
}

const order = (a: TaskOutput, b: TaskOutput) =>
  a.iteration - b.iteration || a.agent.localeCompare(b.agent) || a.shard - b.shard;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge: objects key-wise, arrays concatenated, scalars last-writer-wins (in sorted order). */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return b;
}

/** For each top-level key, the value most outputs agree on; ties go to the smallest canonical JSON. */
export function vote(outputs: unknown[]): Record<string, unknown> {
  const tallies = new Map<string, Map<string, { count: number; value: unknown }>>();
  for (const o of outputs) {
    if (!isPlainObject(o)) continue;
    for (const [k, v] of Object.entries(o)) {
      const key = canonicalJson(v);
      const t = tallies.get(k) ?? new Map();
      const e = t.get(key) ?? { count: 0, value: v };
      e.count++;
      t.set(key, e);
      tallies.set(k, t);
    }
  }
  const result: Record<string, unknown> = {};
  for (const k of [...tallies.keys()].sort()) {
    const best = [...tallies.get(k)!.entries()].sort(([ka, a], [kb, b]) => b.count - a.count || ka.localeCompare(kb))[0];
    result[k] = best[1].value;
  }
  return result;
}

/**
 * Deterministic fan-in: outputs are ordered by (iteration, agent, shard) before combining, so the
 * same results give byte-identical output whatever order they arrived in.
 * custom keeps each agent's (and shard's) output from its latest iteration (the story loop's refinement).
 */
export function fanIn(strategy: Aggregation, results: TaskOutput[]): unknown {
  const sorted = [...results].sort(order);
  switch (strategy) {
    case 'merge':
      return sorted.reduce<unknown>((acc, r) => deepMerge(acc, r.output), {});
    case 'concat':
      return { items: sorted.map((r) => ({ agent: r.agent, iteration: r.iteration, shard: r.shard, output: r.output })) };
    case 'vote':
      return vote(sorted.map((r) => r.output));
    case 'custom': {
      const latest = new Map<string, TaskOutput>();
      for (const r of sorted) latest.set(`${r.agent}#${r.shard}`, r);
      return [...latest.values()].sort(order).reduce<unknown>((acc, r) => deepMerge(acc, r.output), {});
    }
  }
}
