import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { featuresOf, useCasesOf } from './ideation.agents';
import { IdeaModel, ideaOf, isSensitiveEntity, primaryEntity } from './idea-model';
import { asString, lookup, lowerFirst, narrate, plural, recordsWith, spaced, uniq } from './util';
import { detectContradictions } from './constraint-conflicts';

export { detectContradictions, type Contradiction } from './constraint-conflicts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Risk {
  id: string;
  category: string;
  text: string;
  severity: Severity;
  mitigation: string;
}

/** The statements an idea makes about itself: its clauses and its capabilities. */
export function ideaStatements(input: AgentInput, model: IdeaModel): string[] {
  const clauses = input.idea.idea.split(/(?<=[.!?;])\s+|\n+/).map((s) => s.trim()).filter((s) => s.length > 3);
  return uniq([...clauses, ...model.capabilities.map((c) => c.name), ...input.idea.constraints]);
}

const INTEGRATION_RISKS: { when: (m: IdeaModel) => boolean; category: string; text: (m: IdeaModel) => string; severity: Severity; mitigation: string }[] = [
  { when: (m) => m.signals.video, category: 'dependency', text: (m) => `${capitalize(plural(spaced(m.entities.find((e) => /visit|call|session|meeting/i.test(e)) ?? 'video call')))} depend on participants' bandwidth and a hosted media service`, severity: 'high', mitigation: 'Use a managed WebRTC service with TURN fallback and an audio-only mode; measure call quality per session' },
  { when: (m) => m.signals.payments, category: 'dependency', text: () => 'Payments depend on a payment provider and carry fraud and chargeback exposure', severity: 'high', mitigation: 'Use a hosted checkout with tokenised cards and provider-side fraud rules' },
  { when: (m) => m.signals.notifications, category: 'dependency', text: (m) => `Notifications for ${plural(spaced(m.entities[m.entities.length - 1]))} can be delayed or dropped by push and e-mail providers`, severity: 'medium', mitigation: 'Queue notifications with retries, record delivery status and show due items in the app as well' },
  { when: (m) => m.signals.offline, category: 'technical', text: (m) => `Offline edits to ${plural(spaced(primaryEntity(m)))} can conflict when devices sync`, severity: 'medium', mitigation: 'Use per-record versions and last-writer-wins with a visible conflict log' },
  { when: (m) => m.signals.location, category: 'privacy', text: () => 'Location data reveals where people live and move', severity: 'medium', mitigation: 'Collect location only while in use and store it coarsened' },
];

const COMPLIANCE_RISK: Record<string, Severity> = { HIPAA: 'critical', 'PCI-DSS': 'high', GDPR: 'high', COPPA: 'high', 'SOC 2': 'medium', 'WCAG 2.2 AA': 'low' };

function complianceRisks(model: IdeaModel): Omit<Risk, 'id'>[] {
  const sensitive = model.entities.filter((e) => isSensitiveEntity(model, e)).map(spaced);
  return model.compliance.map((c) => ({
    category: 'compliance',
    text: c === 'WCAG 2.2 AA' ? `An interface that fails ${c} excludes some ${plural(model.personas[0])}` : `Handling ${sensitive.join(', ') || 'user data'} without ${c} safeguards exposes the product to fines and loss of trust`,
    severity: COMPLIANCE_RISK[c] ?? 'medium',
    mitigation: c === 'WCAG 2.2 AA' ? 'Automated accessibility checks in CI and a manual screen-reader pass per release' : `Map every ${c} control to an owner, encrypt ${sensitive.join(', ') || 'personal data'} at rest and in transit, and audit access`,
  }));
}

function scopeRisk(model: IdeaModel, featureCount: number): Omit<Risk, 'id'> {
  const severity: Severity = featureCount > 8 ? 'high' : featureCount > 4 ? 'medium' : 'low';
  return { category: 'scope', text: `${featureCount} features (${model.capabilities.map((c) => lowerFirst(c.name)).join('; ')}) may not fit a first release`, severity, mitigation: 'Ship the must-have stories first and defer could-have features behind flags' };
}

function constraintRisks(model: IdeaModel): Omit<Risk, 'id'>[] {
  return model.constraints
    .filter((c) => /\$|budget|cost|deadline|weeks?|months?|days?|launch by|team of/i.test(c))
    .map((c) => ({ category: 'delivery', text: `Constraint "${c}" limits how much can be built and verified`, severity: 'medium' as Severity, mitigation: 'Plan releases around the constraint and cut could-have scope first' }));
}

export function deriveRisks(input: AgentInput, model = ideaOf(input)): Risk[] {
  const features = featuresOf(input, model);
  const primary = model.personas[0];
  const all: Omit<Risk, 'id'>[] = [
    ...complianceRisks(model),
    ...INTEGRATION_RISKS.filter((r) => r.when(model)).map((r) => ({ category: r.category, text: r.text(model), severity: r.severity, mitigation: r.mitigation })),
    scopeRisk(model, features.length),
    ...constraintRisks(model),
    { category: 'adoption', text: `${capitalize(primary)} may keep their current way to ${lowerFirst(model.capabilities[0]?.name ?? model.title)}`, severity: 'medium', mitigation: `Interview five ${plural(primary)} and measure activation in the beta` },
  ];
  return all.map((r, i) => ({ id: `R-${i + 1}`, ...r }));
}

const ABUSE_BY_VERB: [RegExp, (thing: string) => string, Severity][] = [
  [/^(share|send|publish|post)/i, (t) => `share ${t} with someone who should not see it`, 'high'],
  [/^(schedule|book|plan|reserve)/i, (t) => `flood the calendar with fake ${t} or no-shows`, 'medium'],
  [/^(pay|buy|order|sell)/i, (t) => `pay for ${t} with stolen cards`, 'high'],
  [/^(notify|remind|message|chat)/i, (t) => `use ${t} to spam other users`, 'medium'],
  [/^(manage|edit|create|record|track)/i, (t) => `change or delete ${t} that belong to someone else`, 'high'],
];

export function deriveRedTeam(input: AgentInput, model = ideaOf(input)) {
  const challenges = useCasesOf(input, model).map((u, i) => {
    const rule = ABUSE_BY_VERB.find(([re]) => re.test(u.title)) ?? [/./, (t: string) => `read ${t} without permission`, 'medium' as Severity];
    const thing = plural(spaced(asString(u.entity) || model.entities[0]));
    return { id: `RT-${i + 1}`, target: u.id, attack: `A malicious ${u.actor} tries to ${rule[1](thing)}`, impact: rule[2] === 'high' ? `Loss of trust in ${model.title}` : 'Noise and support load', severity: rule[2] };
  });
  const switching = model.personas.map((p, i) => ({ id: `RT-${challenges.length + i + 1}`, target: `persona:${p}`, attack: `Why would ${plural(p)} switch from what they use today to ${lowerFirst(model.capabilities[0]?.name ?? model.title)}?`, impact: 'No adoption', severity: 'medium' as Severity }));
  return [...challenges, ...switching];
}

function assumptionsFor(model: IdeaModel) {
  const user = model.personas.map((p) => ({ text: `${capitalize(plural(p))} feel the problem often enough to adopt ${model.title}`, kind: 'user', confidence: 'medium', howToTest: `Five interviews with ${plural(p)}` }));
  const tech = model.capabilities.map((c) => ({ text: `"${c.name}" can be built with standard components`, kind: 'technical', confidence: /video|payment|sync|offline/i.test(c.description) ? 'low' : 'high', howToTest: 'Spike in the first sprint' }));
  const given = model.constraints.map((c) => ({ text: `Constraint "${c}" is firm`, kind: 'business', confidence: 'medium', howToTest: 'Confirm with the sponsor' }));
  return [...user, ...tech, ...given].map((a, i) => ({ id: `A-${i + 1}`, ...a }));
}

export const RiskAnalyzerAgent: Agent = {
  name: 'RiskAnalyzerAgent',
  description: 'Rates compliance, dependency, scope, delivery and adoption risks with mitigations',
  outputSchema: {
    type: 'object',
    required: ['risks', 'riskSummary'],
    properties: {
      risks: {
        type: 'array',
        minItems: 3,
        items: {
          type: 'object',
          required: ['id', 'text', 'severity', 'mitigation'],
          properties: { id: { type: 'string', pattern: '^R-\\d+$' }, text: { type: 'string', minLength: 1 }, severity: { enum: ['low', 'medium', 'high', 'critical'] }, mitigation: { type: 'string', minLength: 1 } },
        },
      },
      riskSummary: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const risks = deriveRisks(ctx.input, model);
    const top = risks.filter((r) => r.severity === 'critical' || r.severity === 'high');
    const riskSummary = await narrate(ctx, 'Summarise the main risks in two sentences.', [model.summary, ...(top.length ? top : risks).map((r) => `${r.text}; mitigation: ${r.mitigation}`)], 100);
    ctx.progress(100, `${risks.length} risks`);
    return { risks, riskSummary };
  },
};

export const RedTeamAgent: Agent = {
  name: 'RedTeamAgent',
  description: 'Challenges each use case with an abuse case and each persona with a switching question',
  outputSchema: {
    type: 'object',
    required: ['redTeam'],
    properties: {
      redTeam: {
        type: 'object',
        required: ['challenges', 'summary'],
        properties: { challenges: { type: 'array', minItems: 1, items: { type: 'object', required: ['id', 'target', 'attack', 'severity'] } }, summary: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const challenges = deriveRedTeam(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise the strongest objections.', challenges.map((c) => c.attack), 100);
    ctx.progress(100, `${challenges.length} challenges`);
    return { redTeam: { challenges, summary } };
  },
};

export const AssumptionCheckerAgent: Agent = {
  name: 'AssumptionCheckerAgent',
  description: 'Lists the assumptions the idea rests on and detects contradictions between constraints and the idea',
  outputSchema: {
    type: 'object',
    required: ['assumptions', 'contradictions'],
    properties: {
      assumptions: { type: 'array', minItems: 1, items: { type: 'object', required: ['id', 'text', 'kind', 'confidence', 'howToTest'] } },
      contradictions: { type: 'array', items: { type: 'object', required: ['id', 'constraint', 'conflictsWith', 'reason'] } },
      assumptionSummary: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const assumptions = assumptionsFor(model);
    const features = featuresOf(ctx.input, model).map((f) => f.name);
    const contradictions = detectContradictions(model.constraints, uniq([...ideaStatements(ctx.input, model), ...features]));
    const weakest = assumptions.filter((a) => a.confidence === 'low');
    const assumptionSummary = await narrate(ctx, 'Which assumptions need testing first?', [...(weakest.length ? weakest : assumptions).map((a) => `${a.text}; test: ${a.howToTest}`), ...contradictions.map((c) => c.reason)], 80);
    ctx.progress(100, `${assumptions.length} assumptions, ${contradictions.length} contradictions`);
    return { assumptions, contradictions, assumptionSummary };
  },
};

/** Upstream risks when present, else derived. */
export function risksOf(input: AgentInput, model = ideaOf(input)): Risk[] {
  const up = recordsWith(lookup(input, 'risks'), ['id', 'text', 'severity']);
  return up.length ? (up as unknown as Risk[]) : deriveRisks(input, model);
}

export const CRITIQUE_AGENTS: Agent[] = [RedTeamAgent, RiskAnalyzerAgent, AssumptionCheckerAgent];
