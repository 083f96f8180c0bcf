import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { IdeaModel, ideaOf, primaryEntity } from './idea-model';
import { nfrsOf, storiesOf } from './prd.agents';
import { asRecord, asString, lookup, lowerFirst, narrate, plural, recordsWith, spaced, thirdPerson } from './util';

/** Activation and retention as the GTM defined them, else stated from the first entity. */
function successMetrics(input: AgentInput, model: IdeaModel): { name: string; definition: string }[] {
  const up = recordsWith(asRecord(lookup(input, 'gtm')).metrics, ['name', 'definition']).map((m) => ({ name: asString(m.name), definition: asString(m.definition) }));
  return up.length ? up : [{ name: 'activation', definition: `first ${spaced(primaryEntity(model))} created within 24 hours of sign-up` }, { name: 'retention', definition: `weekly active ${plural(model.personas[0])}` }];
}

/** Who qualifies: people who need the persona's stories, else the persona's goals from ideation. */
function cohortCriteria(input: AgentInput, model: IdeaModel, persona: string): string[] {
  const own = storiesOf(input, model).filter((s) => s.asA === persona).slice(0, 2).map((s) => thirdPerson(`needs to ${s.iWant.replace(/^to /, '')}`));
  if (own.length) return own;
  const goals = recordsWith(lookup(input, 'personas'), ['name']).find((x) => x.name === persona)?.goals;
  return (Array.isArray(goals) ? goals.filter((g): g is string => typeof g === 'string') : [`uses ${model.title}`]).slice(0, 2).map((g) => `wants to ${lowerFirst(g)}`);
}

/**
 * One cohort per persona. Organisations join as a few accounts with several users each;
 * individuals join in larger numbers. Regulated data adds weeks for the compliance review.
 */
export function deriveBetaPlan(input: AgentInput, model: IdeaModel) {
  const stories = storiesOf(input, model);
  const must = stories.filter((s) => s.priority === 'must');
  const cohorts = model.personas.map((p, i) => ({
    name: `${capitalize(plural(p))}`,
    size: model.b2b ? (i === 0 ? 5 : 15) : i === 0 ? 50 : 10,
    unit: model.b2b && i === 0 ? 'organisations' : 'people',
    criteria: cohortCriteria(input, model, p),
  }));
  const durationWeeks = Math.min(8, 2 + Math.ceil(stories.length / 5) + (model.regulated.length ? 2 : 0));
  const availability = nfrsOf(input, model).find((n) => /uptime/.test(n.metric))?.target ?? '99.5%';
  const qa = asRecord(lookup(input, 'qaReport'));
  const exitCriteria = [
    ...must.map((s) => `At least 60% of the cohort completed "${s.title}" (${s.id})`),
    ...successMetrics(input, model).map((m) => `${capitalize(m.name)} measured: ${m.definition}`),
    `Uptime during the beta at least ${availability}`,
    `Acceptance pass rate stays at least 0.9${typeof qa.passRate === 'number' ? ` (release candidate: ${qa.passRate})` : ''}`,
    'No open high or critical security finding',
  ];
  return { cohorts, durationWeeks, exitCriteria };
}

export function deriveFeedbackPlan(input: AgentInput, model: IdeaModel) {
  const stories = storiesOf(input, model);
  return {
    channels: [
      { channel: 'in-app survey', when: `after the first ${spaced(primaryEntity(model))} is created` },
      ...model.personas.map((p) => ({ channel: `interviews with ${plural(p)}`, when: 'every two weeks, five people' })),
      { channel: 'product analytics', when: 'continuous' },
    ],
    questions: stories.filter((s) => s.priority !== 'could').map((s) => ({ storyId: s.id, question: `How easy was it to ${s.iWant.replace(/^to /, '').replace(/\bmy\b/g, 'your')}? (1-5)` })),
    metrics: successMetrics(input, model),
    cadence: 'weekly triage; findings become stories for the next release',
  };
}

export const BetaCohortAgent: Agent = {
  name: 'BetaCohortAgent',
  description: 'Plans beta cohorts per persona, duration and exit criteria',
  outputSchema: {
    type: 'object',
    required: ['betaPlan'],
    properties: {
      betaPlan: {
        type: 'object',
        required: ['cohorts', 'durationWeeks', 'exitCriteria', 'summary'],
        properties: { cohorts: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'size', 'criteria'] } }, durationWeeks: { type: 'integer', minimum: 1 }, exitCriteria: { type: 'array', minItems: 2, items: { type: 'string' } }, summary: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveBetaPlan(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise the beta plan.', [`${plan.durationWeeks}-week beta of ${model.title}`, ...plan.cohorts.map((c) => `${c.size} ${c.unit} in the ${c.name} cohort`), ...plan.exitCriteria.slice(0, 4)], 80);
    ctx.progress(100, `${plan.cohorts.length} cohorts`);
    return { betaPlan: { ...plan, summary } };
  },
};

export const FeedbackPlanAgent: Agent = {
  name: 'FeedbackPlanAgent',
  description: 'Plans feedback channels, per-story questions and the metrics to watch',
  outputSchema: {
    type: 'object',
    required: ['feedbackPlan'],
    properties: { feedbackPlan: { type: 'object', required: ['channels', 'questions', 'metrics', 'cadence', 'summary'], properties: { channels: { type: 'array', minItems: 2 }, questions: { type: 'array', minItems: 1 }, summary: { type: 'string' } } } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveFeedbackPlan(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise how feedback is gathered.', [...plan.channels.map((c) => `${capitalize(c.channel)} ${c.when}`), ...plan.questions.slice(0, 4).map((q) => q.question)], 60);
    ctx.progress(100, `${plan.questions.length} questions`);
    return { feedbackPlan: { ...plan, summary } };
  },
};

export const BETA_AGENTS: Agent[] = [BetaCohortAgent, FeedbackPlanAgent];
