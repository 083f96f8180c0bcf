import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { risksOf } from './critique.agents';
import { IdeaModel, ideaOf, primaryEntity } from './idea-model';
import { Story, storiesOf } from './prd.agents';
import { clamp01, lowerFirst, narrate, plural, round, spaced, thirdPerson } from './util';

/** Typical monthly price anchors by domain (per seat for B2B, per user for consumers). */
const PRICE_ANCHOR: Record<string, number> = { healthcare: 49, finance: 29, education: 8, commerce: 29, logistics: 39, social: 5, productivity: 4, general: 9 };

interface Tier {
  name: string;
  monthlyPrice: number | null;
  includes: string[];
  limits: string[];
}

const titlesOf = (stories: Story[], priorities: Story['priority'][]) => stories.filter((s) => priorities.includes(s.priority)).map((s) => s.title);

/** Regulated data costs more to host and audit; the anchor moves up by half for HIPAA and PCI. */
function basePrice(model: IdeaModel): number {
  const anchor = PRICE_ANCHOR[model.domain] ?? PRICE_ANCHOR.general;
  return model.regulated.some((c) => c === 'HIPAA' || c === 'PCI-DSS') ? anchor * 1.5 : anchor;
}

export function derivePricing(model: IdeaModel, stories: Story[]) {
  const base = basePrice(model);
  const thing = plural(spaced(primaryEntity(model)));
  const must = titlesOf(stories, ['must']);
  const should = titlesOf(stories, ['must', 'should']);
  const all = titlesOf(stories, ['must', 'should', 'could']);
  const tiers: Tier[] = model.b2b
    ? [
        { name: 'Starter', monthlyPrice: Math.round(base), includes: must, limits: [`1 ${model.personas[0]} seat`, `up to 100 ${thing}`] },
        { name: 'Professional', monthlyPrice: Math.round(base * 2), includes: should, limits: ['up to 25 seats', `unlimited ${thing}`] },
        { name: 'Enterprise', monthlyPrice: null, includes: [...all, 'Single sign-on', ...model.regulated.map((c) => `${c} agreement and audit exports`)], limits: ['unlimited seats'] },
      ]
    : [
        { name: 'Free', monthlyPrice: 0, includes: must, limits: [`up to 50 ${thing}`] },
        { name: 'Plus', monthlyPrice: Math.max(1, Math.round(base)) - 0.01, includes: should, limits: [`unlimited ${thing}`] },
        { name: 'Family', monthlyPrice: Math.max(2, Math.round(base * 2)) - 0.01, includes: [...all, 'Up to 6 members'], limits: [`unlimited ${thing}`] },
      ];
  return { model: model.b2b ? 'per-seat' : 'freemium', currency: 'USD', unit: model.b2b ? 'seat / month' : 'user / month', tiers };
}

export function deriveViability(input: AgentInput, model: IdeaModel, stories: Story[]) {
  const risks = risksOf(input, model);
  const severe = risks.filter((r) => r.severity === 'high' || r.severity === 'critical').length;
  const points = stories.reduce((a, s) => a + s.points, 0);
  const explicit = model.capabilities.filter((c) => c.explicit).length;
  const factors = [
    { name: 'problem clarity', score: clamp01(0.5 + 0.15 * explicit), reason: `${explicit} capabilities stated as actions in the idea` },
    { name: 'market reach', score: clamp01((model.b2b ? 0.6 : 0.5) + 0.05 * model.personas.length), reason: `${model.b2b ? 'Organisations' : 'Individuals'}; ${model.personas.length} persona(s)` },
    { name: 'delivery complexity', score: clamp01(1 - points / 100), reason: `${stories.length} stories, ${points} story points` },
    { name: 'compliance burden', score: clamp01(1 - 0.15 * model.regulated.length), reason: model.regulated.length ? `Regulated by ${model.regulated.join(', ')}` : 'No regulated data' },
    { name: 'risk exposure', score: clamp01(Math.max(0.3, 1 - 0.1 * severe)), reason: `${severe} high or critical risk(s) of ${risks.length}` },
  ].map((f) => ({ ...f, score: round(f.score, 2) }));
  const score = round(factors.reduce((a, f) => a + f.score, 0) / factors.length, 2);
  return { score, verdict: score >= 0.6 ? 'go' : score >= 0.45 ? 'pivot' : 'no-go', factors };
}

/** Channels that reach the personas: organisations are sold to, individuals find the product themselves. */
function channelsFor(model: IdeaModel): string[] {
  const who = plural(model.personas[0]);
  const terms = model.keywords.slice(0, 3).join(', ');
  return model.b2b
    ? [`Direct outreach to ${who}`, `${capitalize(model.domain)} associations and communities`, `Case studies on ${lowerFirst(model.capabilities[0]?.name ?? model.title)}`, 'Partner integrations and marketplaces']
    : [`App store listing optimised for "${terms}"`, `Search content answering how to ${lowerFirst(model.capabilities[0]?.name ?? model.title)}`, 'Launch communities (Product Hunt, forums)', 'Referral invites from existing users'];
}

export function deriveGtm(model: IdeaModel, stories: Story[]) {
  const firstEntity = spaced(primaryEntity(model));
  return {
    segments: model.personas.map((p) => ({ persona: p, need: thirdPerson(stories.find((s) => s.asA === p)?.soThat ?? `use ${model.title}`) })),
    channels: channelsFor(model),
    launch: [
      { phase: 'Private beta', audience: `${plural(model.personas[0])} from the beta cohort`, goal: `First ${firstEntity} created by most invited users` },
      { phase: 'Public launch', audience: model.personas.map(plural).join(', '), goal: `${model.b2b ? 'Paid' : 'Active'} ${plural(model.personas[0])} growing week over week` },
    ],
    metrics: [
      { name: 'activation', definition: `first ${firstEntity} created within 24 hours of sign-up` },
      { name: 'retention', definition: `weekly active ${plural(model.personas[0])}` },
      { name: 'conversion', definition: model.b2b ? 'Starter to Professional upgrades' : 'Free to Plus upgrades' },
    ],
  };
}

export const PricingAgent: Agent = {
  name: 'PricingAgent',
  description: 'Proposes a pricing model and tiers from the domain, the buyer and the story priorities',
  outputSchema: {
    type: 'object',
    required: ['pricing'],
    properties: {
      pricing: {
        type: 'object',
        required: ['model', 'currency', 'tiers', 'rationale'],
        properties: {
          model: { enum: ['per-seat', 'freemium'] },
          currency: { type: 'string' },
          tiers: { type: 'array', minItems: 2, items: { type: 'object', required: ['name', 'monthlyPrice', 'includes'], properties: { monthlyPrice: { type: ['number', 'null'] }, includes: { type: 'array', minItems: 1 } } } },
          rationale: { type: 'string' },
        },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const pricing = derivePricing(model, storiesOf(ctx.input, model));
    const rationale = await narrate(ctx, 'Explain this pricing in two sentences.', [`${model.title} sells to ${model.b2b ? 'organisations' : 'individuals'} in ${model.domain}`, ...pricing.tiers.map((t) => `${t.name} at ${t.monthlyPrice === null ? 'a negotiated price' : `${t.monthlyPrice} ${pricing.currency} per ${pricing.unit}`} includes ${t.includes.slice(0, 4).join(', ')}`)], 100);
    ctx.progress(100, `${pricing.tiers.length} tiers`);
    return { pricing: { ...pricing, rationale } };
  },
};

export const ViabilityAgent: Agent = {
  name: 'ViabilityAgent',
  description: 'Scores viability from problem clarity, reach, complexity, compliance and risk',
  outputSchema: {
    type: 'object',
    required: ['viability'],
    properties: {
      viability: {
        type: 'object',
        required: ['score', 'verdict', 'factors', 'summary'],
        properties: { score: { type: 'number', minimum: 0, maximum: 1 }, verdict: { enum: ['go', 'pivot', 'no-go'] }, factors: { type: 'array', minItems: 3, items: { type: 'object', required: ['name', 'score', 'reason'] } }, summary: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const viability = deriveViability(ctx.input, model, storiesOf(ctx.input, model));
    const summary = await narrate(ctx, 'Summarise the viability assessment.', [`Verdict ${viability.verdict} with score ${viability.score}`, ...viability.factors.map((f) => `${capitalize(f.name)} ${f.score}: ${f.reason}`)], 80);
    ctx.progress(100, `verdict ${viability.verdict}`);
    return { viability: { ...viability, summary } };
  },
};

export const GTMAgent: Agent = {
  name: 'GTMAgent',
  description: 'Plans segments, channels, launch phases, messaging and success metrics',
  outputSchema: {
    type: 'object',
    required: ['gtm'],
    properties: {
      gtm: {
        type: 'object',
        required: ['segments', 'channels', 'launch', 'metrics', 'messaging'],
        properties: { segments: { type: 'array', minItems: 1 }, channels: { type: 'array', minItems: 2 }, launch: { type: 'array', minItems: 1 }, metrics: { type: 'array', minItems: 1 }, messaging: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stories = storiesOf(ctx.input, model);
    const gtm = deriveGtm(model, stories);
    const messaging = await narrate(ctx, 'Write the positioning message.', [model.summary, ...stories.filter((s) => s.priority === 'must').map((s) => thirdPerson(`${capitalize(plural(s.asA))} can ${s.iWant.replace(/^to /, '')} so that ${s.soThat}`))], 100);
    ctx.progress(100, `${gtm.channels.length} channels`);
    return { gtm: { ...gtm, messaging } };
  },
};

export const BIZDEV_AGENTS: Agent[] = [ViabilityAgent, GTMAgent, PricingAgent];
