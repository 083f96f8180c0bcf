import type { IdeaInput } from '@ideamine/contracts';
import { LlmClient } from '../llm/llm-client';
import { OfflineProvider } from '../llm/offline-provider';
import { OFFLINE_AGENTS } from '../offline';
import { analyzeIdea } from '../offline/analysis';
import type { AgentContext } from '../sdk';
import type { EvidenceDoc } from './dataset';

/**
 * Evidence texts for the claim set: per fixture idea, the idea itself and what the offline agents
 * write about it, as plain sentences. The agents run with no upstream evidence, each on its own,
 * so a change in one agent changes only its sentences.
 */

type Rec = Record<string, unknown>;
const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter((x): x is Rec => !!x && typeof x === 'object') : []);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const end = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

async function run(agentName: string, idea: IdeaInput): Promise<Rec> {
  const agent = OFFLINE_AGENTS.find((a) => a.name === agentName);
  if (!agent) throw new Error(`no offline agent ${agentName}`);
  const llm = new LlmClient(new OfflineProvider(), { tokens: 10_000_000, usd: 0, toolMinutes: 10, wallclockMinutes: 10 });
  const ctx: AgentContext = {
    input: { runId: 'grounding', phase: 'any', agent: agentName, gateAttempt: 1, iteration: 0, shard: 0, shards: 1, idea, upstream: {}, previous: [] },
    llm,
    checkpoint: { load: async () => undefined, save: async () => undefined },
    heartbeat: () => undefined,
    progress: () => undefined,
    artifacts: { put: async () => ({ bucket: 'none', name: 'none', sha256: '0'.repeat(64), size: 0, contentType: 'text/plain', kind: 'none' }) },
    remainingBudget: () => llm.remaining(),
    usage: () => llm.usage(),
  };
  return (await agent.run(ctx)) as Rec;
}

export async function evidenceFor(name: string, idea: IdeaInput): Promise<EvidenceDoc[]> {
  const a = analyzeIdea(idea);
  // Roles: who (target users, personas) and what (the data model's entities), as written in the text.
  const entities = recs(((await run('DataModelAgent', idea)).dataModel as Rec | undefined)?.entities).map((e) => str(e.name).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase());
  const roles = [...new Set([...idea.targetUsers, ...a.personas, ...entities])].filter((r) => r.length > 2);
  const ideaText = [end(idea.idea), ...(idea.targetUsers.length ? [`It is for ${idea.targetUsers.join(', ').toLowerCase()}.`] : []), ...idea.constraints.map(end)].join(' ');

  const stories = recs((await run('StoryCutterAgent', idea)).stories).slice(0, 4);
  const risks = recs((await run('RiskAnalyzerAgent', idea)).risks).slice(0, 3);
  const nfrs = recs((await run('NFRsAgent', idea)).nfrs).slice(0, 5);
  const personas = recs((await run('PersonaAgent', idea)).personas).slice(0, 2);
  const agentText = [
    ...stories.map((s) => `As a ${str(s.asA).toLowerCase()}, I want ${str(s.iWant)} so that ${str(s.soThat)}.`),
    ...risks.flatMap((r) => [end(str(r.text)), end(`To mitigate this, ${str(r.mitigation).charAt(0).toLowerCase()}${str(r.mitigation).slice(1)}`)]),
    ...nfrs.map((n) => end(`${str(n.text)}, with a ${str(n.metric)} target of ${str(n.target)}`)),
    ...personas.map((p) => end(str(p.narrative).split(/(?<=\.)\s/)[0] ?? '')),
  ].join('\n');
  return [
    { id: `idea:${name}`, origin: 'idea', roles, text: ideaText },
    { id: `agents:${name}`, origin: 'offline agents (StoryCutter, RiskAnalyzer, NFRs, Persona)', roles, text: agentText },
  ];
}
