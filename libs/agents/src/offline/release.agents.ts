import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { collectionPath, Component, componentsOf, stackOf } from './architecture.agents';
import { deployables } from './build.agents';
import { dataModelOf } from './data-model';
import { IdeaModel, ideaOf } from './idea-model';
import { nfrsOf, storiesOf } from './prd.agents';
import { deriveTestCases, qaReportFor, TestCase } from './qa.agents';
import { findingsOf } from './security.agents';
import { asNumber, asRecord, asString, bullets, kebab, lookup, narrate, plural, recordsWith, snake, spaced, thirdPerson, byText } from './util';

/** The first release is 1.0.0; a run that already carries a released version bumps its minor number. */
export function releaseVersion(input: AgentInput): string {
  const earlier = asString(asRecord(lookup(input, 'release')).version);
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(earlier);
  return m ? `${m[1]}.${Number(m[2]) + 1}.0` : '1.0.0';
}

function testCasesOf(input: AgentInput, model: IdeaModel): TestCase[] {
  const up = recordsWith(lookup(input, 'testCases'), ['id', 'storyId', 'status']) as unknown as TestCase[];
  return up.length ? up : deriveTestCases(input, model);
}

const availabilityOf = (input: AgentInput, model: IdeaModel) => Number.parseFloat(nfrsOf(input, model).find((n) => /uptime/.test(n.metric))?.target ?? '99.5');
const latencyTargetOf = (input: AgentInput, model: IdeaModel) => Number.parseInt(nfrsOf(input, model).find((n) => /latency/.test(n.metric))?.target ?? '500', 10);

/** Error budget per rollout stage: ten times the monthly unavailability allowance, as a percentage. */
const errorRateLimit = (availability: number) => Math.round((100 - availability) * 10 * 100) / 100;

export function deriveReleaseNotes(input: AgentInput, model: IdeaModel) {
  const stories = storiesOf(input, model);
  const cases = testCasesOf(input, model);
  const report = qaReportFor(cases);
  const findings = findingsOf(input);
  const shipped = stories.filter((s) => cases.filter((c) => c.storyId === s.id).every((c) => c.status === 'passed'));
  const held = stories.filter((s) => !shipped.includes(s));
  const known = [
    ...cases.filter((c) => c.status !== 'passed').map((c) => `${c.id} (${c.storyId}) ${c.status}: ${c.reason}`),
    ...findings.filter((f) => f.status === 'open').map((f) => `${f.id} (${f.severity}): ${f.title}`),
  ];
  return {
    shipped,
    held,
    report,
    sections: [
      ['Features', bullets(shipped.map((s) => `${s.title} (${s.id}), for ${plural(s.asA)}: ${thirdPerson(s.soThat)}`))],
      ...(held.length ? [['Not in this release', bullets(held.map((s) => `${s.title} (${s.id})`))] as [string, string]] : []),
      ['Quality', bullets([`${report.passed} of ${report.total} acceptance tests passed (pass rate ${report.passRate})`])],
      ['Security and compliance', bullets([`${findings.filter((f) => f.status === 'mitigated').length} findings mitigated, ${findings.filter((f) => f.status === 'open').length} open`, ...model.compliance.map((c) => `Designed for ${c}`)])],
      ['Known issues', known.length ? bullets(known) : '- None'],
    ] as [string, string][],
  };
}

export function deriveDeploymentPlan(input: AgentInput, model: IdeaModel) {
  const stack = stackOf(input, model);
  const components = componentsOf(input, model);
  const dm = dataModelOf(input, model);
  const apps = deployables(components);
  const order = (c: Component) => ({ datastore: 0, integration: 1, service: 2, worker: 3, client: 4 })[c.kind];
  const careful = model.dataSensitivity === 'high' || model.regulated.length > 0;
  return {
    strategy: careful ? 'canary' : 'rolling',
    region: stack.region,
    hosting: stack.hosting,
    environments: [
      { name: 'staging', region: stack.region, data: 'synthetic only' },
      { name: 'production', region: stack.region, data: model.dataSensitivity === 'high' ? `regulated (${model.regulated.join(', ') || 'sensitive'})` : 'user data' },
    ],
    services: apps.map((a) => ({ component: a.component, image: `${kebab(model.title)}/${a.app}:${releaseVersion(input)}` })),
    steps: [
      'Freeze merges to main and tag the release candidate',
      'Snapshot the production database',
      ...dm.entities.map((e, i) => `Apply migration ${String(i + 1).padStart(4, '0')}_create_${snake(plural(e.name))}`),
      ...[...components].sort((a, b) => order(a) - order(b) || byText(a.name, b.name)).filter((c) => apps.some((a) => a.component === c.name)).map((c) => `Deploy ${c.name} (${c.tech})`),
      ...dm.entities.filter((e) => e.name !== 'User').map((e) => `Smoke test GET ${collectionPath(e.name)}`),
      careful ? 'Hand traffic to the canary plan' : 'Shift all traffic to the new version',
    ],
    approvals: careful ? ['engineering lead', 'security', ...(model.regulated.length ? ['compliance officer'] : [])] : ['engineering lead'],
  };
}

export function deriveRollbackPlan(input: AgentInput, model: IdeaModel) {
  const availability = availabilityOf(input, model);
  const dm = dataModelOf(input, model);
  const apps = deployables(componentsOf(input, model));
  return {
    triggers: [
      `p95 latency above ${latencyTargetOf(input, model)} ms for 10 minutes`,
      `error rate above ${errorRateLimit(availability)}% for 5 minutes`,
      'any new high or critical security finding',
      ...(model.signals.video ? ['video call join success below 95%'] : []),
      ...(model.signals.notifications ? ['notification delivery delay p95 above 60 s'] : []),
    ],
    steps: [...apps.map((a) => `Redeploy the previous image of ${a.component}`), 'Verify smoke tests on the previous version', 'Announce the rollback to the beta cohort'],
    dataRollback: { strategy: 'forward-compatible migrations; down migrations only for empty tables', reversibleMigrations: dm.entities.map((e) => `${snake(plural(e.name))}: down migration drops the table only if it is empty`), restore: 'restore the pre-release snapshot if data is corrupted' },
    rtoMinutes: availability >= 99.9 ? 15 : 30,
    rpoMinutes: model.dataSensitivity === 'high' ? 5 : 60,
  };
}

/** Smaller first steps for riskier data; thresholds from the NFRs; a product metric from the first must story. */
export function deriveCanaryPlan(input: AgentInput, model: IdeaModel) {
  const percents = model.dataSensitivity === 'high' ? [1, 5, 25, 50, 100] : model.dataSensitivity === 'medium' ? [5, 25, 50, 100] : [10, 50, 100];
  const minutes = model.dataSensitivity === 'high' ? 60 : 30;
  const availability = availabilityOf(input, model);
  const first = storiesOf(input, model).find((s) => s.priority === 'must');
  const metrics = [
    { name: 'p95 latency (ms)', threshold: `<= ${latencyTargetOf(input, model)}` },
    { name: 'error rate (%)', threshold: `<= ${errorRateLimit(availability)}` },
    ...(first ? [{ name: `${spaced(first.entity)} created per minute`, threshold: '>= 90% of the stable version' }] : []),
    ...(model.signals.video ? [{ name: 'video call join success (%)', threshold: '>= 98' }] : []),
    ...(model.signals.notifications ? [{ name: 'notification delay p95 (s)', threshold: '<= 60' }] : []),
  ];
  return { steps: percents.map((percent, i) => ({ step: i + 1, percent, durationMinutes: percent === 100 ? 0 : minutes, metrics })), abortOn: 'any metric outside its threshold for the whole step', promoteAfter: `${minutes} minutes per step with all metrics inside thresholds` };
}

// ---------------------------------------------------------------- agents

export const ReleaseNotesAgent: Agent = {
  name: 'ReleaseNotesAgent',
  description: 'Writes versioned release notes from the stories that passed QA, the findings and the known issues',
  outputSchema: {
    type: 'object',
    required: ['releaseNotes', 'release'],
    properties: {
      releaseNotes: { type: 'string', pattern: '^# .+ \\d+\\.\\d+\\.\\d+' },
      release: { type: 'object', required: ['version', 'features', 'passRate'], properties: { version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' }, passRate: { type: 'number' } } },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const version = releaseVersion(ctx.input);
    const notes = deriveReleaseNotes(ctx.input, model);
    const highlights = await narrate(ctx, 'Write the release highlights.', [model.summary, ...notes.shipped.filter((s) => s.priority === 'must').map((s) => `${capitalize(plural(s.asA))} can now ${thirdPerson(s.iWant.replace(/^to /, ''))}`)], 100);
    const releaseNotes = [`# ${model.title} ${version}`, `## Highlights\n\n${highlights}`, ...notes.sections.map(([h, b]) => `## ${h}\n\n${b}`)].join('\n\n') + '\n';
    await ctx.artifacts.put('release-notes', releaseNotes, 'text/markdown');
    ctx.progress(100, version);
    return { releaseNotes, release: { version, features: notes.shipped.map((s) => s.id), held: notes.held.map((s) => s.id), passRate: asNumber(notes.report.passRate) } };
  },
};

export const DeploymentPlanAgent: Agent = {
  name: 'DeploymentPlanAgent',
  description: 'Plans environments, migration and deploy order, smoke tests and approvals',
  outputSchema: {
    type: 'object',
    required: ['deploymentPlan'],
    properties: { deploymentPlan: { type: 'object', required: ['strategy', 'environments', 'services', 'steps', 'approvals', 'summary'], properties: { steps: { type: 'array', minItems: 3 }, environments: { type: 'array', minItems: 2 } } } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveDeploymentPlan(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise the deployment.', [`${capitalize(plan.strategy)} deployment to ${plan.region} on ${plan.hosting}`, ...plan.steps], 80);
    ctx.progress(100, plan.strategy);
    return { deploymentPlan: { ...plan, summary } };
  },
};

export const RollbackPlanAgent: Agent = {
  name: 'RollbackPlanAgent',
  description: 'Defines rollback triggers from the NFRs, the steps, data rollback and RTO/RPO',
  outputSchema: {
    type: 'object',
    required: ['rollbackPlan'],
    properties: { rollbackPlan: { type: 'object', required: ['triggers', 'steps', 'dataRollback', 'rtoMinutes', 'summary'], properties: { triggers: { type: 'array', minItems: 2 }, steps: { type: 'array', minItems: 2 }, rtoMinutes: { type: 'number' } } } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveRollbackPlan(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise when and how to roll back.', [...plan.triggers.map((t) => `Roll back when ${t}`), `Recovery time objective ${plan.rtoMinutes} minutes`], 60);
    ctx.progress(100, `${plan.triggers.length} triggers`);
    return { rollbackPlan: { ...plan, summary } };
  },
};

export const CanaryPlanAgent: Agent = {
  name: 'CanaryPlanAgent',
  description: 'Stages the rollout by traffic percentage with metric thresholds from the NFRs',
  outputSchema: {
    type: 'object',
    required: ['canaryPlan'],
    properties: {
      canaryPlan: {
        type: 'object',
        required: ['steps', 'abortOn', 'summary'],
        properties: { steps: { type: 'array', minItems: 2, items: { type: 'object', required: ['percent', 'durationMinutes', 'metrics'], properties: { percent: { type: 'number', minimum: 1, maximum: 100 }, metrics: { type: 'array', minItems: 1, items: { type: 'object', required: ['name', 'threshold'] } } } } } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveCanaryPlan(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise the canary rollout.', [`Traffic moves through ${plan.steps.map((s) => `${s.percent}%`).join(', ')}`, ...plan.steps[0].metrics.map((m) => `${m.name} must stay ${m.threshold}`)], 60);
    ctx.progress(100, `${plan.steps.length} steps`);
    return { canaryPlan: { ...plan, summary } };
  },
};

export const RELEASE_AGENTS: Agent[] = [ReleaseNotesAgent, DeploymentPlanAgent, RollbackPlanAgent, CanaryPlanAgent];
