import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { detectContradictions, risksOf } from './critique.agents';
import { firstInputField } from './data-model';
import { Feature, featuresOf } from './ideation.agents';
import { IdeaModel, ideaOf, isSensitiveEntity, personaFor, primaryEntity, startsWithVerb } from './idea-model';
import { SectionPlan, writeSections } from './sections';
import { asArray, asRecord, asString, asStrings, isRecord, lookup, lowerFirst, narrate, overlap, plural, recordsWith, spaced, uniq } from './util';

export interface Story {
  id: string;
  title: string;
  asA: string;
  iWant: string;
  soThat: string;
  acceptanceCriteria: string[];
  priority: 'must' | 'should' | 'could';
  featureId?: string;
  entity: string;
  points: number;
}

export interface Nfr {
  id: string;
  category: string;
  text: string;
  metric: string;
  target: string;
}

export interface Requirement {
  id: string;
  text: string;
  source: string;
  stories: string[];
  tests: string[];
}

const article = (w: string) => (/^[aeiou]/i.test(w) ? `an ${w}` : `a ${w}`);

const BENEFITS: [RegExp, (thing: string, model: IdeaModel, f: Feature) => string][] = [
  [/^(schedule|book|plan|reserve|join)\b/i, (t) => `${t} happen at a time that works for everyone`],
  [/^(share|send|publish)\b/i, (t) => `the right people get ${t} without delay`],
  [/^(notify|remind|get notified)\b/i, (t) => `I never miss ${t}`],
  [/^(track|monitor|review)\b/i, (t) => `I can see how ${t} change over time`],
  [/^(find|search|browse|compare|see)\b/i, (t) => `I can quickly find the ${t} I need`],
  [/^(pay|buy|order)\b/i, (t) => `${t} are settled without friction`],
  [/^sign\b/i, (t) => `my ${t} stay private to me`],
  [/^use\b.*offline/i, () => 'I can keep working without a connection'],
  [/^attach\b/i, (t) => `everything about my ${t} is in one place`],
  [/^chat\b/i, () => 'questions get answered quickly'],
];

function benefit(model: IdeaModel, f: Feature): string {
  const thing = plural(spaced(f.entity));
  if (f.source.startsWith('compliance:')) return `${model.title} meets ${f.source.slice('compliance:'.length)} and I can trust it with my data`;
  const rule = BENEFITS.find(([re]) => re.test(f.name));
  return rule ? rule[1](thing, model, f) : `my ${thing} stay accurate and up to date`;
}

/** "scheduledAt" -> "scheduled time", "fullName" -> "full name". */
export const fieldLabel = (name: string) => spaced(name).replace(/ at$/, ' time').replace(/ id$/, '');

const gwt = (given: string, when: string, then: string) => `Given ${given}, when ${when}, then ${then}.`;

/** Saving a record: it works, an empty required field is refused, and sensitive records are access-checked. */
function saveCriteria(model: IdeaModel, f: Feature, asA: string, action: string): string[] {
  const thing = spaced(f.entity);
  const field = fieldLabel(firstInputField(model, f.entity));
  const base = [
    gwt(model.signals.accounts ? `I am signed in as ${article(asA)}` : `${model.title} is open`, `I ${action} and confirm`, `the ${thing} is saved and shown in my list of ${plural(thing)}`),
    gwt(`the ${field} of the ${thing} is empty`, 'I submit', `I see an error naming the ${field} and nothing is saved`),
  ];
  if (isSensitiveEntity(model, f.entity)) base.push(gwt(`I am not authorised for ${article(thing)}`, 'I open it', 'access is denied and the attempt is recorded in the audit log'));
  return base;
}

/** Acceptance criteria by what the feature is: compliance and enabler features have their own checks. */
function criteriaFor(model: IdeaModel, f: Feature, asA: string, action: string): string[] {
  const thing = spaced(f.entity);
  const things = plural(thing);
  const field = fieldLabel(firstInputField(model, f.entity));
  switch (f.source) {
    case 'compliance:HIPAA':
    case 'compliance:SOC 2':
      return [gwt(`I open ${article(thing)}`, 'the page loads', 'an audit entry with my identity, the record and the time is written'), gwt('I am an administrator', `I filter the audit log by ${thing}`, `I see every access to that ${thing}`)];
    case 'compliance:GDPR':
      return [gwt('I am signed in', 'I request an export of my data', `I receive a file with all my ${uniq(model.entities.map((e) => plural(spaced(e)))).join(', ')}`), gwt('I ask to delete my account', 'I confirm', 'my personal data is erased within 30 days and I get a confirmation')];
    case 'compliance:PCI-DSS':
      return [gwt('I pay by card', 'the payment completes', `${model.title} stores only a payment token, never the card number`), gwt('my card is declined', 'I pay', 'I see the decline reason and nothing is charged')];
    case 'compliance:COPPA':
      return [gwt('a child signs up', 'no parental consent is on file', 'no personal data is collected'), gwt('a parent gives consent', 'the child signs in', 'the account is enabled')];
    case 'compliance:WCAG 2.2 AA':
      return [gwt('I use only a keyboard', `I ${lowerFirst(model.capabilities[0]?.name ?? `open the ${thing} list`)}`, 'every control is reachable and has a visible focus'), gwt('I use a screen reader', `I open the list of ${things}`, `every ${thing} is announced with its ${field}`)];
    case 'signal:accounts':
      return [gwt('I have no account', 'I sign up with my e-mail address', `I can sign in as ${article(asA)}`), gwt('I enter a wrong password', 'I sign in', 'I see an error and repeated attempts are rate-limited')];
    case 'signal:notifications':
      return [gwt(`${article(thing)} is due`, 'its time arrives', `I get a notification naming the ${thing}`), gwt('I turned notifications off', `${article(thing)} is due`, 'nothing is sent')];
    case 'crud':
      if (/^remove\b/i.test(f.name))
        return [gwt(`I have ${article(thing)}`, `I ${action} and confirm`, `the ${thing} disappears from my list of ${things}`), gwt(`I removed ${article(thing)} by mistake`, 'I choose undo within 10 seconds', `the ${thing} is restored`)];
      return saveCriteria(model, f, asA, action);
    default:
      return saveCriteria(model, f, asA, action);
  }
}

const FIB = [1, 2, 3, 5, 8, 13];
const pointsFor = (criteria: number, effort: Feature['effort'], sensitive: boolean) =>
  FIB[Math.min(FIB.length - 1, criteria - 2 + { S: 0, M: 1, L: 2 }[effort] + (sensitive ? 1 : 0))];

function storyFrom(model: IdeaModel, f: Feature, n: number): Story {
  const asA = f.persona || personaFor(model, f.name);
  const action = startsWithVerb(f.name) ? lowerFirst(f.name) : `use ${lowerFirst(f.name)}`;
  const iWant = startsWithVerb(f.name) ? `to ${lowerFirst(f.name)}` : lowerFirst(f.name);
  const acceptanceCriteria = criteriaFor(model, f, asA, action);
  const points = pointsFor(acceptanceCriteria.length, f.effort, isSensitiveEntity(model, f.entity));
  return { id: `US-${n}`, title: f.name, asA, iWant, soThat: benefit(model, f), acceptanceCriteria, priority: f.priority, ...(f.id ? { featureId: f.id } : {}), entity: f.entity, points };
}

/** One story per feature; entities get edit / remove stories until there are at least five. */
export function cutStories(model: IdeaModel, features: Feature[]): Story[] {
  const stories = features.map((f, i) => storyFrom(model, f, i + 1));
  const extras = model.entities.flatMap((e) => [`Edit ${article(spaced(e))}`, `Remove ${article(spaced(e))}`]);
  for (const name of extras) {
    if (stories.length >= 5) break;
    const entity = model.entities.find((e) => name.endsWith(spaced(e)))!;
    const f: Feature = { id: '', name, description: name, source: 'crud', entity, persona: personaFor(model, name), priority: 'should', effort: 'S' };
    stories.push(storyFrom(model, f, stories.length + 1));
  }
  return stories;
}

function isStory(v: unknown): v is Story {
  return isRecord(v) && typeof v.id === 'string' && typeof v.title === 'string' && typeof v.asA === 'string' && asStrings(v.acceptanceCriteria).length >= 1;
}

/** Stories from this phase or upstream when well-formed, else cut from the features. */
export function storiesOf(input: AgentInput, model = ideaOf(input)): Story[] {
  const up = asArray(lookup(input, 'stories')).filter(isStory);
  if (!up.length) return cutStories(model, featuresOf(input, model));
  return up.map((s) => ({ ...s, entity: asString(s.entity) || model.entities[0], priority: ['must', 'should', 'could'].includes(s.priority) ? s.priority : 'should' }));
}

export const storyNumber = (id: string) => id.replace(/^US-/, '');
export const testIdsFor = (s: Story) => s.acceptanceCriteria.map((_, k) => `TC-${storyNumber(s.id)}-${k + 1}`);

// ---------------------------------------------------------------- PRD document

function sectionPlans(input: AgentInput, model: IdeaModel, stories: Story[]): SectionPlan[] {
  const risks = risksOf(input, model);
  const assumptions = recordsWith(lookup(input, 'assumptions'), ['text']).map((a) => asString(a.text));
  const byPriority = (p: Story['priority']) => stories.filter((s) => s.priority === p).map((s) => `${s.id} ${s.title}`);
  return [
    { id: 'overview', heading: 'Overview', facts: [model.summary, `${model.title} is a ${model.domain} product for ${model.personas.join(', ')}`] },
    { id: 'problem', heading: 'Problem and goals', facts: [model.problem, ...model.capabilities.map((c) => `Goal: ${lowerFirst(c.name)}`)] },
    { id: 'personas', heading: 'Personas', facts: model.personas.map((p) => `${capitalize(p)}: ${stories.filter((s) => s.asA === p).map((s) => s.title).join('; ') || 'secondary user'}`) },
    { id: 'scope', heading: 'Scope', facts: [`In scope (must): ${byPriority('must').join('; ') || 'none'}`, `Next (should): ${byPriority('should').join('; ') || 'none'}`, `Deferred (could): ${byPriority('could').join('; ') || 'none'}`] },
    { id: 'stories', heading: 'User stories', facts: stories.map((s) => `${s.id}: as ${article(s.asA)}, I want ${s.iWant} so that ${s.soThat}`) },
    { id: 'compliance', heading: 'Compliance and constraints', facts: [...model.compliance.map((c) => `Comply with ${c}`), ...model.constraints.map((c) => `Constraint: ${c}`), `Data sensitivity: ${model.dataSensitivity}`] },
    { id: 'risks', heading: 'Risks', facts: risks.map((r) => `${r.id} (${r.severity}): ${r.text}. Mitigation: ${r.mitigation}`) },
    { id: 'open-questions', heading: 'Open questions', facts: assumptions.length ? assumptions.map((a) => `Is it true that ${lowerFirst(a)}?`) : model.personas.map((p) => `How do ${plural(p)} solve this today?`) },
  ];
}

// ---------------------------------------------------------------- flows, NFRs, RTM

function screenFor(s: Story, features: Feature[]): string {
  const source = features.find((f) => f.id === s.featureId)?.source ?? '';
  const thing = capitalize(spaced(s.entity));
  if (source === 'signal:accounts') return 'Sign in';
  if (source === 'signal:notifications') return 'Notification settings';
  if (source === 'compliance:GDPR') return 'Privacy settings';
  if (/compliance:(HIPAA|SOC 2)/.test(source)) return 'Audit log';
  if (source === 'signal:search') return `${thing} search`;
  if (source === 'signal:video') return `${thing} call`;
  return /^(edit|remove|manage|create|add|record)\b/i.test(s.title) || source.startsWith('CAP-') ? `${thing} editor` : `${thing} list`;
}

export function deriveUxFlows(model: IdeaModel, stories: Story[], features: Feature[]) {
  const personas = uniq([...model.personas.filter((p) => stories.some((s) => s.asA === p)), ...stories.map((s) => s.asA).sort()]);
  return personas.map((persona, i) => {
    const own = stories.filter((s) => s.asA === persona);
    const steps = own.flatMap((s) => {
      const screen = screenFor(s, features);
      const list = `${capitalize(spaced(s.entity))} list`;
      const open = screen.endsWith('editor') ? [{ screen: list, action: `Open ${plural(spaced(s.entity))}`, storyId: s.id }] : [];
      return [...open, { screen, action: capitalize(s.iWant.replace(/^to /, '')), storyId: s.id }];
    });
    const entry = model.signals.accounts && !steps.some((st) => st.screen === 'Sign in') ? [{ screen: 'Sign in', action: `Sign in as ${article(persona)}`, storyId: own[0].id }] : [];
    const all = [...entry, ...steps];
    return { id: `FLOW-${i + 1}`, name: `${capitalize(persona)} journey`, persona, storyIds: own.map((s) => s.id), screens: uniq(all.map((s) => s.screen)), steps: all };
  });
}

const COMPLIANCE_NFR: Record<string, (m: IdeaModel) => [string, string, string]> = {
  HIPAA: () => ['Audit log of every access to protected health information', 'audit retention', '6 years'],
  GDPR: (m) => [m.signals.euResidency ? 'Personal data stored and processed in an EU region; export and erasure on request' : 'Export and erasure of personal data on request', 'request completion', '30 days'],
  'PCI-DSS': () => ['No primary account numbers stored; payments via a PCI-compliant provider', 'card data stored', '0'],
  COPPA: () => ["Verifiable parental consent before collecting a child's data", 'accounts without consent', '0'],
  'SOC 2': () => ['Administrator actions logged and reviewed', 'review cadence', 'monthly'],
};

export function deriveNfrs(model: IdeaModel): Nfr[] {
  const s = model.signals;
  const first = plural(spaced(primaryEntity(model)));
  const sensitive = model.entities.filter((e) => isSensitiveEntity(model, e)).map(spaced);
  const rows: [string, string, string, string][] = [
    ['performance', `Listing ${first} is fast`, 'p95 API latency', s.realtime || s.video ? '300 ms' : '500 ms'],
    ['availability', `${model.title} is available`, 'monthly uptime', model.regulated.length || model.b2b ? '99.9%' : '99.5%'],
    ['security', sensitive.length ? `Encrypt ${sensitive.join(', ')} at rest and all traffic in transit` : 'Encrypt all traffic in transit', 'encryption', sensitive.length ? 'AES-256 at rest, TLS 1.2+' : 'TLS 1.2+'],
    ['accessibility', `Every screen meets ${model.compliance.find((c) => c.startsWith('WCAG')) ?? 'WCAG 2.2 AA'}`, 'critical axe violations', '0'],
    ['scalability', `Serve the expected ${model.b2b ? 'organisations' : 'individual users'}`, 'concurrent users', model.b2b ? '1000' : '10000'],
    ...(s.video ? [['performance', 'Joining a video call is quick', 'time to join', '5 s'] as [string, string, string, string]] : []),
    ...(s.notifications ? [['reliability', `Notifications for ${plural(spaced(model.entities[model.entities.length - 1]))} arrive on time`, 'delivery delay p95', '60 s'] as [string, string, string, string]] : []),
    ...(s.offline ? [['reliability', `${capitalize(first)} are usable offline and sync after reconnecting`, 'sync delay', '30 s'] as [string, string, string, string]] : []),
    ...model.regulated.filter((c) => COMPLIANCE_NFR[c]).map((c) => ['compliance', ...COMPLIANCE_NFR[c](model)] as [string, string, string, string]),
    ...model.constraints.filter((c) => /\b(within|at least|under|less than|no more than|\d+\s?(ms|s|seconds|users|%))\b/i.test(c) && !/\$|budget|cost/i.test(c)).map((c) => ['constraint', c, 'as stated', c] as [string, string, string, string]),
  ];
  return rows.map(([category, text, metric, target], i) => ({ id: `NFR-${i + 1}`, category, text, metric, target }));
}

function linkStories(text: string, stories: Story[], fallback: Story[]): Story[] {
  const scored = stories.map((s) => ({ s, score: overlap(text, `${s.title} ${s.iWant} ${s.entity}`) })).filter((x) => x.score > 0);
  const best = Math.max(0, ...scored.map((x) => x.score));
  const linked = scored.filter((x) => x.score === best).map((x) => x.s);
  return linked.length ? linked : fallback.slice(0, 1);
}

/** Requirements from features (linked to their stories) and NFRs (linked by shared words); tests are the stories' criteria. */
export function deriveRtm(stories: Story[], features: Feature[], nfrs: Nfr[]): { requirements: Requirement[] } {
  const must = stories.filter((s) => s.priority === 'must');
  const fallback = must.length ? must : stories;
  const fromFeatures = features.map((f) => {
    const own = stories.filter((s) => s.featureId === f.id);
    return { text: f.name, source: f.id, stories: own.length ? own : linkStories(f.name, stories, fallback) };
  });
  const crud = stories.filter((s) => !s.featureId || !features.some((f) => f.id === s.featureId));
  for (const s of crud) {
    const target = fromFeatures.find((r) => r.source.startsWith('F-') && overlap(r.text, s.entity) > 0) ?? fromFeatures[0];
    if (target) target.stories = [...target.stories, s];
    else fromFeatures.push({ text: s.title, source: s.id, stories: [s] });
  }
  const fromNfrs = nfrs.map((n) => ({ text: `${n.text} (${n.metric}: ${n.target})`, source: n.id, stories: linkStories(n.text, stories, fallback) }));
  return {
    requirements: [...fromFeatures, ...fromNfrs].map((r, i) => ({
      id: `REQ-${i + 1}`,
      text: r.text,
      source: r.source,
      stories: r.stories.map((s) => s.id),
      tests: r.source.startsWith('NFR-') ? testIdsFor(r.stories[0]).slice(0, 1) : r.stories.flatMap(testIdsFor),
    })),
  };
}

export function nfrsOf(input: AgentInput, model = ideaOf(input)): Nfr[] {
  const up = recordsWith(lookup(input, 'nfrs'), ['id', 'text', 'metric', 'target']);
  return up.length ? (up as unknown as Nfr[]) : deriveNfrs(model);
}

export function rtmOf(input: AgentInput, model = ideaOf(input)): { requirements: Requirement[] } {
  const up = recordsWith(asRecord(lookup(input, 'rtm')).requirements, ['id', 'text']).filter((r) => asStrings(r.tests).length && asStrings(r.stories).length);
  if (up.length) return { requirements: up.map((r) => ({ id: asString(r.id), text: asString(r.text), source: asString(r.source), stories: asStrings(r.stories), tests: asStrings(r.tests) })) };
  return deriveRtm(storiesOf(input, model), featuresOf(input, model), nfrsOf(input, model));
}

// ---------------------------------------------------------------- agents

const storySchema = {
  type: 'object',
  required: ['id', 'title', 'asA', 'iWant', 'soThat', 'acceptanceCriteria', 'priority'],
  properties: {
    id: { type: 'string', pattern: '^US-\\d+$' },
    title: { type: 'string', minLength: 1 },
    asA: { type: 'string', minLength: 1 },
    iWant: { type: 'string', minLength: 1 },
    soThat: { type: 'string', minLength: 1 },
    acceptanceCriteria: { type: 'array', minItems: 2, items: { type: 'string', pattern: '^Given .+, when .+, then .+' } },
    priority: { enum: ['must', 'should', 'could'] },
  },
};

export const StoryCutterAgent: Agent = {
  name: 'StoryCutterAgent',
  description: 'Cuts features into user stories with Given/When/Then acceptance criteria',
  outputSchema: { type: 'object', required: ['stories', 'storyMap'], properties: { stories: { type: 'array', minItems: 5, items: storySchema }, storyMap: { type: 'string' } } },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stories = cutStories(model, featuresOf(ctx.input, model));
    const storyMap = await narrate(ctx, 'Summarise the story map by persona.', stories.map((s) => `As ${article(s.asA)}, I want ${s.iWant} so that ${s.soThat}`), 150);
    ctx.progress(100, `${stories.length} stories`);
    return { stories, storyMap };
  },
};

export const PRDWriterAgent: Agent = {
  name: 'PRDWriterAgent',
  description: 'Writes the PRD section by section (checkpointed: a restarted task skips finished sections)',
  outputSchema: {
    type: 'object',
    required: ['prd'],
    properties: {
      prd: {
        type: 'object',
        required: ['title', 'version', 'sections'],
        properties: { title: { type: 'string', minLength: 1 }, version: { type: 'string' }, sections: { type: 'array', minItems: 5, items: { type: 'object', required: ['id', 'heading', 'body'], properties: { body: { type: 'string', minLength: 1 } } } } },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const plans = sectionPlans(ctx.input, model, storiesOf(ctx.input, model));
    const sections = await writeSections(ctx, plans, 'a PRD');
    return { prd: { title: `${model.title}: product requirements`, version: '1.0', summary: model.summary, sections } };
  },
};

export const UXFlowAgent: Agent = {
  name: 'UXFlowAgent',
  description: 'Groups stories into one journey per persona, screen by screen',
  outputSchema: {
    type: 'object',
    required: ['uxFlows'],
    properties: {
      uxFlows: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['id', 'name', 'persona', 'storyIds', 'screens', 'steps'], properties: { screens: { type: 'array', minItems: 1 }, steps: { type: 'array', minItems: 1, items: { type: 'object', required: ['screen', 'action', 'storyId'] } } } },
      },
      uxNotes: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const uxFlows = deriveUxFlows(model, storiesOf(ctx.input, model), featuresOf(ctx.input, model));
    const uxNotes = await narrate(ctx, 'Describe the main user journeys.', uxFlows.map((f) => `${f.name}: ${f.steps.map((s) => s.action).join(', then ')}`), 120);
    ctx.progress(100, `${uxFlows.length} flows`);
    return { uxFlows, uxNotes };
  },
};

export const NFRsAgent: Agent = {
  name: 'NFRsAgent',
  description: 'States measurable non-functional requirements from the domain, signals, compliance and constraints',
  outputSchema: {
    type: 'object',
    required: ['nfrs'],
    properties: { nfrs: { type: 'array', minItems: 3, items: { type: 'object', required: ['id', 'category', 'text', 'metric', 'target'], properties: { id: { type: 'string', pattern: '^NFR-\\d+$' } } } }, nfrRationale: { type: 'string' } },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const nfrs = deriveNfrs(model);
    const nfrRationale = await narrate(ctx, 'Explain why these quality targets were chosen.', [model.summary, ...nfrs.map((n) => `${n.text}: ${n.metric} ${n.target}`)], 100);
    ctx.progress(100, `${nfrs.length} NFRs`);
    return { nfrs, nfrRationale };
  },
};

export const TraceMatrixAgent: Agent = {
  name: 'TraceMatrixAgent',
  description: 'Links every requirement to stories and test ids, and checks the stories against the constraints',
  outputSchema: {
    type: 'object',
    required: ['rtm', 'contradictions'],
    properties: {
      rtm: {
        type: 'object',
        required: ['requirements'],
        properties: {
          requirements: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['id', 'text', 'stories', 'tests'],
              properties: { id: { type: 'string', pattern: '^REQ-\\d+$' }, stories: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^US-\\d+$' } }, tests: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^TC-' } } },
            },
          },
          coverage: { type: 'string' },
        },
      },
      contradictions: { type: 'array' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const stories = storiesOf(ctx.input, model);
    const rtm = deriveRtm(stories, featuresOf(ctx.input, model), nfrsOf(ctx.input, model));
    const contradictions = detectContradictions(model.constraints, stories.map((s) => `${s.title}: ${s.acceptanceCriteria.join(' ')}`));
    const linked = new Set(rtm.requirements.flatMap((r) => r.stories));
    const coverage = await narrate(ctx, 'Summarise the traceability coverage.', [`${rtm.requirements.length} requirements trace to ${linked.size} of ${stories.length} stories`, ...rtm.requirements.map((r) => `${r.id} ${r.text} is verified by ${r.tests.join(', ')}`)], 80);
    ctx.progress(100, `${rtm.requirements.length} requirements`);
    return { rtm: { ...rtm, coverage }, contradictions };
  },
};

export const PRD_AGENTS: Agent[] = [StoryCutterAgent, PRDWriterAgent, UXFlowAgent, NFRsAgent, TraceMatrixAgent];
