import { LlmClient } from '../llm/llm-client';
import { OfflineProvider } from '../llm/offline-provider';
import type { Agent, AgentContext, AgentInput } from '../sdk';
import { IDEATION_AGENTS } from './ideation.agents';
import { CRITIQUE_AGENTS } from './critique.agents';
import { PRD_AGENTS } from './prd.agents';
import { IdeaParserAgent, ConstraintExtractorAgent } from './intake.agents';
import { ideaOf } from './idea-model';

const IDEAS = {
  todo: { idea: 'A simple todo app with reminders', targetUsers: [], constraints: [] },
  tele: { idea: 'A HIPAA-compliant telehealth platform for clinics to schedule patient video visits and share prescriptions', targetUsers: ['clinic administrators', 'patients', 'doctors'], constraints: ['Must run in the EU'] },
};
function deepMerge(a: any, b: any): any {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) { const o = { ...a }; for (const [k, v] of Object.entries(b)) o[k] = k in o ? deepMerge(o[k], v) : v; return o; }
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  return b;
}
async function runPhase(phase: string, agents: Agent[], idea: any, upstream: any, sequential = false) {
  const outs: { agent: string; output: any }[] = [];
  for (const a of agents) {
    const input: AgentInput = { runId: 'r', phase, agent: a.name, gateAttempt: 1, iteration: 0, shard: 0, idea, upstream, previous: sequential ? outs.map((o) => ({ agent: o.agent, iteration: 0, output: o.output })) : [] };
    const ctx: AgentContext = { input, llm: new LlmClient(new OfflineProvider(), { tokens: 1e6, usd: 0, toolMinutes: 1, wallclockMinutes: 10 }), checkpoint: { load: async () => undefined, save: async () => undefined }, heartbeat() {}, progress() {}, artifacts: { put: async () => ({}) as any }, remainingBudget: () => ({}) as any, usage: () => ({}) as any };
    outs.push({ agent: a.name, output: await a.run(ctx) });
  }
  return [...outs].sort((x, y) => x.agent.localeCompare(y.agent)).reduce((acc, o) => deepMerge(acc, o.output), {});
}
it('x', async () => {
  for (const idea of Object.values(IDEAS)) {
    const up: any = {};
    console.log(JSON.stringify(ideaOf({ idea, upstream: {}, previous: [] } as any), null, 1));
    up.intake = await runPhase('intake', [IdeaParserAgent, ConstraintExtractorAgent], idea, up);
    up.ideation = await runPhase('ideation', IDEATION_AGENTS, idea, up);
    up.critique = await runPhase('critique', CRITIQUE_AGENTS, idea, up);
    up.prd = await runPhase('prd', PRD_AGENTS, idea, up, true);
    require('fs').writeFileSync('/tmp/scratch/' + idea.idea.slice(0, 6).replace(/ /g, '_') + '.json', JSON.stringify(up, null, 1));
  }
});
