/**
 * Bench-only: more no-op agents in the worker's registry, loaded into each service process with
 * `node --require` (NODE_OPTIONS; see pipeline-driver.ts). A phase holds at most 32 shards per
 * agent (PhaseConfig), so N tasks in one phase need ceil(N/32) agent names: NoopAgent1 ... are
 * copies of NoopAgent under other names. Nothing outside bench/ changes; without
 * IM_BENCH_NOOP_AGENTS this file does nothing.
 */
import { OFFLINE_AGENTS } from '@ideamine/agents';

const count = Number(process.env.IM_BENCH_NOOP_AGENTS ?? 0);
const noop = OFFLINE_AGENTS.find((a) => a.name === 'NoopAgent');
if (count > 1 && noop) {
  for (let i = 1; i < count; i++) {
    const name = `NoopAgent${i}`;
    if (!OFFLINE_AGENTS.some((a) => a.name === name)) OFFLINE_AGENTS.push({ ...noop, name });
  }
}
