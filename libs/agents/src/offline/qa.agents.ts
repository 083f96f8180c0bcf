import type { Agent, AgentInput } from '../sdk';
import { collectionPath, openApiOf } from './architecture.agents';
import { risksOf } from './critique.agents';
import { dataModelOf } from './data-model';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { Nfr, nfrsOf, rtmOf, Story, storiesOf, testIdsFor } from './prd.agents';
import { findingsOf } from './security.agents';
import { Implementation, implementationsOf, Review, reviewsOf } from './story-loop.agents';
import { asRecord, kebab, narrate, overlap, plural, round, spaced, byText } from './util';

export interface TestCase {
  id: string;
  storyId: string;
  requirementIds: string[];
  title: string;
  type: 'e2e';
  given: string;
  when: string;
  then: string;
  file: string;
  status: 'passed' | 'failed' | 'not-run';
  reason: string;
}

/** Splits "Given X, when Y, then Z." into its parts. */
export function splitCriterion(c: string): { given: string; when: string; then: string } {
  const m = /^Given (.+?), when (.+?), then (.+?)\.?$/i.exec(c.trim());
  return m ? { given: m[1], when: m[2], then: m[3] } : { given: '', when: c, then: c };
}

/** Unresolved review rules that make a related criterion fail even if its test exists. */
const RULE_HITS: Record<string, RegExp> = { 'missing-authz': /denied|not authorised/i, 'missing-audit': /audit/i, 'missing-validation': /error/i };

function statusOf(testId: string, criterion: string, impl: Implementation | undefined, review: Review | undefined): Pick<TestCase, 'status' | 'reason'> {
  const test = impl?.tests.find((t) => t.id === testId);
  if (!impl) return { status: 'not-run', reason: 'story not implemented' };
  if (!test?.covered) return { status: 'not-run', reason: `no automated test in round ${impl.round}` };
  const blocking = (review?.comments ?? []).find((c) => !c.resolved && RULE_HITS[c.rule]?.test(criterion));
  return blocking ? { status: 'failed', reason: `${blocking.id}: ${blocking.text}` } : { status: 'passed', reason: `covered in round ${impl.round}` };
}

/** One end-to-end case per acceptance criterion (the ids the RTM uses), run against the story loop's result. */
export function deriveTestCases(input: AgentInput, model: IdeaModel): TestCase[] {
  const stories = storiesOf(input, model);
  const requirements = rtmOf(input, model).requirements;
  const impls = implementationsOf(input);
  const reviews = reviewsOf(input);
  return stories.flatMap((s: Story) =>
    testIdsFor(s).map((id, k) => {
      const criterion = s.acceptanceCriteria[k];
      return {
        id,
        storyId: s.id,
        requirementIds: requirements.filter((r) => r.tests.includes(id)).map((r) => r.id),
        title: `${s.title}: criterion ${k + 1}`,
        type: 'e2e' as const,
        ...splitCriterion(criterion),
        file: `e2e/${plural(kebab(s.entity))}.e2e.ts`,
        ...statusOf(id, criterion, impls.find((i) => i.storyId === s.id), reviews.find((r) => r.storyId === s.id)),
      };
    }),
  );
}

export function qaReportFor(cases: TestCase[]) {
  const passed = cases.filter((c) => c.status === 'passed').length;
  const failed = cases.filter((c) => c.status === 'failed').length;
  const notRun = cases.filter((c) => c.status === 'not-run').length;
  // Cases that were never run count against the rate: an untested criterion is not a passing one.
  return { total: cases.length, executed: passed + failed, passed, failed, notRun, passRate: cases.length ? round(passed / cases.length) : 0 };
}

// ---------------------------------------------------------------- performance

const BASE_MS: Record<string, number> = { list: 120, get: 60, post: 150, put: 140, delete: 80 };

const msOf = (target: string) => {
  const m = /(\d+(?:\.\d+)?)\s*(ms|s)\b/.exec(target);
  return m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : undefined;
};

/**
 * A model-based estimate, not a measurement: a base cost per operation, plus payload size, plus
 * field encryption and audit writes for sensitive entities. It says where the NFR budget is tight.
 */
export function derivePerformance(input: AgentInput, model: IdeaModel) {
  const nfrs: Nfr[] = nfrsOf(input, model);
  const latency = nfrs.find((n) => /latency/i.test(n.metric));
  const targetMs = (latency && msOf(latency.target)) ?? 500;
  const users = Number((nfrs.find((n) => /concurrent/i.test(n.metric))?.target ?? '').replace(/\D/g, '')) || 1000;
  const dm = dataModelOf(input, model);
  const paths = openApiOf(input, model).paths as Record<string, unknown>;
  const scenarios = dm.entities.flatMap((e) => {
    const base = collectionPath(e.name);
    const extra = e.fields.length * 5 + (isSensitiveEntity(model, e.name) ? 40 + (model.regulated.length ? 20 : 0) : 0);
    const ops: [string, string, string][] = [['list', 'GET', base], ['post', 'POST', base], ['get', 'GET', `${base}/{id}`]];
    return ops
      .filter(([, method, path]) => method.toLowerCase() in asRecord(paths[path]))
      .map(([op, method, path]) => {
        const p95 = BASE_MS[op] + extra;
        return { endpoint: `${method} ${path}`, entity: e.name, estimatedP95Ms: p95, targetP95Ms: targetMs, passed: p95 <= targetMs };
      });
  });
  return { method: 'model-based estimate (no load generated)', concurrentUsers: users, targetP95Ms: targetMs, source: latency?.id ?? 'default', scenarios, passed: scenarios.every((s) => s.passed) };
}

// ---------------------------------------------------------------- test plan

export function deriveTestPlan(input: AgentInput, model: IdeaModel) {
  const stories = storiesOf(input, model);
  const risks = risksOf(input, model);
  const testIds = stories.flatMap(testIdsFor);
  const findings = findingsOf(input);
  const nfrs = nfrsOf(input, model);
  return {
    scope: stories.map((s) => `${s.id} ${s.title}`),
    levels: [
      { level: 'unit', covers: `services and validation of ${dataModelOf(input, model).entities.map((e) => e.name).join(', ')}` },
      { level: 'e2e', covers: `${testIds.length} acceptance criteria (${testIds[0]}..${testIds[testIds.length - 1]})` },
      { level: 'performance', covers: nfrs.filter((n) => /performance|scalability/.test(n.category)).map((n) => `${n.metric} ${n.target}`).join('; ') },
      { level: 'security', covers: `${findings.length} security findings re-tested; OWASP Top 10 scan` },
      { level: 'accessibility', covers: model.compliance.find((c) => c.startsWith('WCAG')) ?? 'WCAG 2.2 AA' },
    ],
    risksCovered: risks.map((r) => ({ risk: r.id, text: r.text, tests: stories.filter((s) => overlap(r.text, `${s.title} ${spaced(s.entity)}`) > 0).flatMap(testIdsFor).slice(0, 6) })),
    entryCriteria: ['Build and unit tests green', 'Staging deployed from the release candidate'],
    exitCriteria: ['Pass rate of acceptance tests at least 0.9', 'No open high or critical security finding', ...nfrs.filter((n) => n.category !== 'constraint').map((n) => `${n.metric}: ${n.target}`)],
  };
}

// ---------------------------------------------------------------- agents

export const E2ETestAgent: Agent = {
  name: 'E2ETestAgent',
  description: 'Writes one end-to-end case per acceptance criterion and reports results against the implemented stories',
  outputSchema: {
    type: 'object',
    required: ['testCases', 'qaReport'],
    properties: {
      testCases: { type: 'array', minItems: 5, items: { type: 'object', required: ['id', 'storyId', 'title', 'given', 'when', 'then', 'status'], properties: { id: { type: 'string', pattern: '^TC-' }, status: { enum: ['passed', 'failed', 'not-run'] } } } },
      qaReport: { type: 'object', required: ['total', 'passed', 'failed', 'notRun', 'passRate', 'summary'], properties: { passRate: { type: 'number', minimum: 0, maximum: 1 }, summary: { type: 'string' } } },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const testCases = deriveTestCases(ctx.input, model);
    const report = qaReportFor(testCases);
    const problems = testCases.filter((c) => c.status !== 'passed');
    const summary = await narrate(ctx, 'Summarise the test results.', [`${report.passed} of ${report.total} acceptance tests passed (pass rate ${report.passRate})`, ...problems.slice(0, 6).map((c) => `${c.id} ${c.title} ${c.status}: ${c.reason}`)], 80);
    ctx.progress(100, `pass rate ${report.passRate}`);
    return { testCases, qaReport: { ...report, summary } };
  },
};

export const TestPlanAgent: Agent = {
  name: 'TestPlanAgent',
  description: 'Plans test levels, risk coverage and entry/exit criteria',
  outputSchema: {
    type: 'object',
    required: ['testPlan'],
    properties: { testPlan: { type: 'object', required: ['scope', 'levels', 'exitCriteria', 'risksCovered', 'approach'], properties: { levels: { type: 'array', minItems: 3 }, exitCriteria: { type: 'array', minItems: 2 }, approach: { type: 'string' } } } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plan = deriveTestPlan(ctx.input, model);
    const approach = await narrate(ctx, 'Describe the test approach.', [model.summary, ...plan.levels.map((l) => `${l.level} tests cover ${l.covers}`), ...plan.exitCriteria], 80);
    ctx.progress(100, `${plan.levels.length} levels`);
    return { testPlan: { ...plan, approach } };
  },
};

export const PerformanceTestAgent: Agent = {
  name: 'PerformanceTestAgent',
  description: 'Estimates p95 latency per endpoint against the NFR targets (model-based)',
  outputSchema: {
    type: 'object',
    required: ['performanceReport'],
    properties: {
      performanceReport: {
        type: 'object',
        required: ['method', 'targetP95Ms', 'scenarios', 'passed', 'summary'],
        properties: { scenarios: { type: 'array', minItems: 1, items: { type: 'object', required: ['endpoint', 'estimatedP95Ms', 'targetP95Ms', 'passed'] } }, passed: { type: 'boolean' }, summary: { type: 'string' } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const report = derivePerformance(ctx.input, model);
    const slowest = [...report.scenarios].sort((a, b) => b.estimatedP95Ms - a.estimatedP95Ms || byText(a.endpoint, b.endpoint)).slice(0, 3);
    const summary = await narrate(ctx, 'Summarise the performance estimate.', [`Target p95 ${report.targetP95Ms} ms for ${report.concurrentUsers} concurrent users`, ...slowest.map((s) => `${s.endpoint} (${spaced(s.entity)}) is estimated at ${s.estimatedP95Ms} ms`)], 60);
    ctx.progress(100, `${report.scenarios.length} scenarios`);
    return { performanceReport: { ...report, summary } };
  },
};

export const QA_AGENTS: Agent[] = [TestPlanAgent, E2ETestAgent, PerformanceTestAgent];
