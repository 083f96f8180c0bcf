import type { ObjectStore } from 'nats';
import { ArtifactRef, BUCKETS } from '@ideamine/contracts';
import { getJsonArtifact, putJsonArtifact } from '@ideamine/jetstream';
import { fanIn } from './phase/fan-in';
import type { PhaseRunState } from './phase/state';

/**
 * Only content, no run or task ids: the same inputs give a byte-identical pack (and sha256) in any
 * run, whatever order the results arrived in.
 */
export interface EvidencePack {
  phase: string;
  gateAttempt: number;
  aggregation: string;
  tasks: { agent: string; iteration: number; shard: number; result: string }[];
  merged: unknown;
}

/** Reads every task result, fans them in deterministically and stores the pack (content-addressed). */
export async function buildEvidencePack(os: ObjectStore, state: PhaseRunState): Promise<{ pack: EvidencePack; ref: ArtifactRef }> {
  const succeeded = state.tasks.filter((t) => t.status === 'succeeded');
  const results = await Promise.all(
    succeeded.map(async (t) => ({ agent: t.agent, iteration: t.iteration, shard: t.shard, output: await getJsonArtifact<{ output: unknown }>(os, t.result!).then((r) => r.output) })),
  );
  const pack: EvidencePack = {
    phase: state.phase,
    gateAttempt: state.gateAttempt,
    aggregation: state.config!.aggregation,
    tasks: [...succeeded]
      .sort((a, b) => a.iteration - b.iteration || a.agent.localeCompare(b.agent) || a.shard - b.shard)
      .map((t) => ({ agent: t.agent, iteration: t.iteration, shard: t.shard, result: t.result!.sha256 })),
    merged: fanIn(state.config!.aggregation, results),
  };
  const ref = await putJsonArtifact(os, BUCKETS.artifacts, pack, 'evidence-pack');
  return { pack, ref };
}
