import type { Agent, AgentInput } from '../sdk';
import { repositoryOf } from './build.agents';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { Story, storiesOf, testIdsFor } from './prd.agents';
import { asArray, asRecord, isRecord, kebab, lookup, narrate, plural, snake, sortedUniq } from './util';

/**
 * The story loop: round 0 implements each story's happy path; every later round applies the open
 * comments of the previous round's review. The reviewer reads the newest implementation it can see
 * (the previous round's) or, in round 0, reviews the stories themselves.
 */
export interface StoryTest {
  id: string;
  criterion: string;
  covered: boolean;
}

export interface Implementation {
  storyId: string;
  title: string;
  round: number;
  files: string[];
  tests: StoryTest[];
  addressed: string[];
  status: 'implemented' | 'revised' | 'unchanged';
  notes: string;
}

export type ReviewRule = 'missing-test' | 'missing-authz' | 'missing-audit' | 'missing-validation';

export interface ReviewComment {
  id: string;
  rule: ReviewRule;
  text: string;
  /** The test id or file the comment asks for. */
  target: string;
  resolved: boolean;
}

export interface Review {
  storyId: string;
  reviewed: string;
  verdict: 'approve' | 'request-changes';
  comments: ReviewComment[];
}

interface Paths {
  python: boolean;
  entityFiles: (entity: string) => string[];
  fix: (rule: Exclude<ReviewRule, 'missing-test'>, entity: string) => string;
}

/** File paths follow the repository blueprint when there is one. */
function pathsFor(layout: string[]): Paths {
  const python = layout.some((p) => p.endsWith('.py'));
  const dir = (e: string) => plural(kebab(e));
  return {
    python,
    entityFiles: (e) => {
      const own = layout.filter((p) => p.includes(`/${dir(e)}/`) || p.includes(`_${snake(plural(e))}.`) || p.includes(`/${snake(e)}.py`) || p.includes(`/${dir(e)}.e2e`));
      return own.length ? own : [python ? `apps/api/app/routers/${snake(plural(e))}.py` : `apps/api/src/${dir(e)}/${kebab(e)}.service.ts`];
    },
    fix: (rule, e) => {
      const name = { 'missing-authz': 'policy', 'missing-audit': 'audit', 'missing-validation': 'dto' }[rule];
      return python ? `apps/api/app/${name}/${snake(e)}_${name}.py` : `apps/api/src/${dir(e)}/${kebab(e)}.${name}.ts`;
    },
  };
}

/** What a story's implementation must contain, by rule; each check says whether an implementation satisfies it. */
function checksFor(model: IdeaModel, story: Story, paths: Paths): { id: string; rule: ReviewRule; text: string; target: string }[] {
  const n = story.id.replace(/^US-/, '');
  const tests = testIdsFor(story).map((tid, k) => ({ id: `RV-${n}-T${k + 1}`, rule: 'missing-test' as ReviewRule, text: `Add test ${tid} for: ${story.acceptanceCriteria[k]}`, target: tid }));
  const sensitive = isSensitiveEntity(model, story.entity);
  const fileCheck = (suffix: string, rule: Exclude<ReviewRule, 'missing-test'>, text: string) => ({ id: `RV-${n}-${suffix}`, rule, text, target: paths.fix(rule, story.entity) });
  return [
    ...tests,
    ...(story.acceptanceCriteria.some((c) => /is empty|error naming/.test(c)) ? [fileCheck('V', 'missing-validation', `Validate ${story.entity} input on the server`)] : []),
    ...(sensitive ? [fileCheck('A', 'missing-authz', `Check that the caller may access the ${story.entity} before returning it`)] : []),
    ...(sensitive && model.regulated.length ? [fileCheck('L', 'missing-audit', `Write an audit entry when a ${story.entity} is read or changed (${model.regulated.join(', ')})`)] : []),
  ];
}

/** A check is satisfied when the implementation has the test covered or the file present. */
function satisfied(impl: Implementation | undefined, rule: ReviewRule, target: string): boolean {
  if (!impl) return false;
  return rule === 'missing-test' ? !!impl.tests.find((t) => t.id === target)?.covered : impl.files.includes(target);
}

/** Round 0: the happy path, tested by the first acceptance criterion only. */
function firstImplementation(story: Story, paths: Paths, round: number): Omit<Implementation, 'notes'> {
  return { storyId: story.id, title: story.title, round, files: sortedUniq(paths.entityFiles(story.entity)), tests: testIdsFor(story).map((id, k) => ({ id, criterion: story.acceptanceCriteria[k], covered: k === 0 })), addressed: [], status: 'implemented' };
}

/** Later rounds: apply each open comment of the last review that the last implementation does not satisfy yet. */
function revise(prev: Implementation, story: Story, comments: ReviewComment[], round: number): Omit<Implementation, 'notes'> {
  const todo = comments.filter((c) => !c.resolved && !satisfied(prev, c.rule, c.target));
  const files = new Set(prev.files);
  const tests = prev.tests.map((t) => ({ ...t }));
  for (const c of todo) {
    const test = tests.find((t) => t.id === c.target);
    if (c.rule === 'missing-test' && test) test.covered = true;
    else if (c.rule !== 'missing-test') files.add(c.target);
  }
  return { storyId: story.id, title: story.title, round, files: [...files].sort(), tests, addressed: todo.map((c) => c.id), status: todo.length ? 'revised' : 'unchanged' };
}

function isImplementation(v: unknown): v is Implementation {
  return isRecord(v) && typeof v.storyId === 'string' && Array.isArray(v.files) && Array.isArray(v.tests);
}

function isReview(v: unknown): v is Review {
  return isRecord(v) && typeof v.storyId === 'string' && Array.isArray(v.comments);
}

/**
 * The newest round of `key` this task can see: every shard's output of the latest earlier iteration
 * (sharded rounds are split across tasks), else whatever an upstream phase holds.
 */
function latestRound<T>(input: AgentInput, key: string, keep: (v: unknown) => v is T): T[] {
  const rounds = input.previous.filter((p) => asRecord(p.output)[key] !== undefined);
  if (!rounds.length) return asArray(lookup(input, key)).filter(keep);
  const last = Math.max(...rounds.map((p) => p.iteration));
  return rounds.filter((p) => p.iteration === last).flatMap((p) => asArray(asRecord(p.output)[key]).filter(keep));
}

/** This task's slice of the stories when the phase is sharded. */
const myShare = <T>(input: AgentInput, items: T[]) => (input.shards > 1 ? items.filter((_, i) => i % input.shards === input.shard) : items);

const latestImplementations = (input: AgentInput) => latestRound(input, 'implementedStories', isImplementation);
const latestReviews = (input: AgentInput) => latestRound(input, 'reviews', isReview);

export function reviewStory(model: IdeaModel, story: Story, impl: Implementation | undefined, earlier: Review | undefined, paths: Paths): Review {
  const raised = new Set((earlier?.comments ?? []).map((c) => c.id));
  const comments = checksFor(model, story, paths)
    .map((c) => ({ ...c, resolved: satisfied(impl, c.rule, c.target) }))
    .filter((c) => !c.resolved || raised.has(c.id));
  return { storyId: story.id, reviewed: impl ? `round ${impl.round}` : 'story (design review)', verdict: comments.some((c) => !c.resolved) ? 'request-changes' : 'approve', comments };
}

export const StoryImplementerAgent: Agent = {
  name: 'StoryImplementerAgent',
  description: 'Implements each story (happy path first), then applies review comments round by round; checkpointed per story',
  outputSchema: {
    type: 'object',
    required: ['implementedStories'],
    properties: {
      implementedStories: {
        type: 'array',
        // One shard may hold a single story; the phase guard checks the merged total (>= 5).
        minItems: 1,
        items: {
          type: 'object',
          required: ['storyId', 'title', 'round', 'files', 'tests', 'addressed', 'status', 'notes'],
          properties: { storyId: { type: 'string', pattern: '^US-\\d+$' }, files: { type: 'array', minItems: 1, items: { type: 'string' } }, tests: { type: 'array', minItems: 1, items: { type: 'object', required: ['id', 'covered'], properties: { covered: { type: 'boolean' } } } }, status: { enum: ['implemented', 'revised', 'unchanged'] } },
        },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stories = myShare(ctx.input, storiesOf(ctx.input, model));
    const paths = pathsFor(repositoryOf(ctx.input, model).layout);
    const previous = latestImplementations(ctx.input);
    const reviews = latestReviews(ctx.input);
    const saved = await ctx.checkpoint.load();
    const done = asArray(asRecord(saved?.state).done).filter(isImplementation);
    const start = saved && saved.step === done.length && done.every((d, i) => d.storyId === stories[i]?.id) ? done.length : 0;
    const out: Implementation[] = done.slice(0, start);
    for (let i = start; i < stories.length; i++) {
      const story = stories[i];
      const prev = previous.find((p) => p.storyId === story.id);
      const comments = reviews.find((r) => r.storyId === story.id)?.comments ?? [];
      const impl = prev ? revise(prev, story, comments, ctx.input.iteration) : firstImplementation(story, paths, ctx.input.iteration);
      const notes = await narrate(ctx, 'Describe this change in one or two sentences.', [`${story.id} ${story.title}: as ${story.asA}, I want ${story.iWant}`, `Files: ${impl.files.join(', ')}`, `Tests covered: ${impl.tests.filter((t) => t.covered).map((t) => t.id).join(', ') || 'none'}`, ...comments.filter((c) => impl.addressed.includes(c.id)).map((c) => `Addressed review comment ${c.id}: ${c.text}`)], 60);
      out.push({ ...impl, notes });
      await ctx.checkpoint.save(i + 1, { done: out });
      ctx.heartbeat();
      ctx.progress(Math.round(((i + 1) / stories.length) * 100), story.id);
    }
    return { implementedStories: out };
  },
};

export const CodeReviewAgent: Agent = {
  name: 'CodeReviewAgent',
  description: "Reviews the newest implementation it can see against each story's criteria, access control, audit and validation rules",
  outputSchema: {
    type: 'object',
    required: ['reviews', 'reviewSummary'],
    properties: {
      reviews: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['storyId', 'reviewed', 'verdict', 'comments'], properties: { verdict: { enum: ['approve', 'request-changes'] }, comments: { type: 'array', items: { type: 'object', required: ['id', 'rule', 'text', 'target', 'resolved'] } } } },
      },
      reviewSummary: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stories = myShare(ctx.input, storiesOf(ctx.input, model));
    const paths = pathsFor(repositoryOf(ctx.input, model).layout);
    const impls = latestImplementations(ctx.input);
    const earlier = latestReviews(ctx.input);
    const reviews = stories.map((s) => reviewStory(model, s, impls.find((i) => i.storyId === s.id), earlier.find((r) => r.storyId === s.id), paths));
    const changes = reviews.filter((r) => r.verdict === 'request-changes');
    const reviewSummary = await narrate(ctx, 'Summarise the review.', [`${reviews.length - changes.length} of ${reviews.length} stories approved`, ...changes.flatMap((r) => r.comments.filter((c) => !c.resolved).slice(0, 2).map((c) => `${r.storyId}: ${c.text}`))], 80);
    ctx.progress(100, `${changes.length} stories need changes`);
    return { reviews, reviewSummary };
  },
};

export function implementationsOf(input: AgentInput): Implementation[] {
  return latestImplementations(input);
}

export function reviewsOf(input: AgentInput): Review[] {
  return latestReviews(input);
}

export const STORY_LOOP_AGENTS: Agent[] = [StoryImplementerAgent, CodeReviewAgent];

