import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { dataModelOf } from './data-model';
import { featuresOf } from './ideation.agents';
import { IdeaModel, ideaOf, isSensitiveEntity } from './idea-model';
import { deriveUxFlows, storiesOf } from './prd.agents';
import { asString, lookup, narrate, pick, plural, recordsWith, round, spaced, wordSet } from './util';

/**
 * The aesthetic phase votes: each reviewer also returns `verdict` ("ship" when its own score
 * reaches 0.8, else "polish"), and the majority verdict wins.
 */
const SHIP_AT = 0.8;
const verdictFor = (score: number) => (score >= SHIP_AT ? 'ship' : 'polish');

interface Flow {
  id: string;
  name: string;
  persona: string;
  storyIds: string[];
  screens: string[];
  steps: { screen: string; action: string; storyId: string }[];
}

export function flowsOf(input: AgentInput, model: IdeaModel): Flow[] {
  const up = recordsWith(lookup(input, 'uxFlows'), ['id', 'name']).filter((f) => Array.isArray(f.screens) && Array.isArray(f.steps));
  return up.length ? (up as unknown as Flow[]) : deriveUxFlows(model, storiesOf(input, model), featuresOf(input, model));
}

// ---------------------------------------------------------------- brand and colour

const PRIMARY_BY_DOMAIN: Record<string, string> = { healthcare: '#0F766E', finance: '#1E3A8A', education: '#6D28D9', commerce: '#B91C1C', logistics: '#C2410C', social: '#BE185D', productivity: '#4338CA', general: '#334155' };
const ACCENTS = ['#B45309', '#7C3AED', '#BE185D', '#1D4ED8', '#047857'];
const VOICE_BY_DOMAIN: Record<string, string> = { healthcare: 'calm, precise, reassuring', finance: 'clear, exact, trustworthy', education: 'encouraging, patient', commerce: 'friendly, direct', logistics: 'concise, factual', social: 'warm, playful', productivity: 'light, encouraging, brief', general: 'plain and helpful' };

export function brandPalette(model: IdeaModel) {
  return { primary: PRIMARY_BY_DOMAIN[model.domain] ?? PRIMARY_BY_DOMAIN.general, onPrimary: '#FFFFFF', text: '#1F2937', background: '#FFFFFF', accent: pick(ACCENTS, model.title) };
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio between two sRGB colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return round((hi + 0.05) / (lo + 0.05), 2);
}

/** Words that name the same thing; using both for one entity confuses users. */
const SYNONYMS: [string, string][] = [['todo', 'task'], ['visit', 'appointment'], ['clinic', 'practice'], ['reminder', 'alert'], ['patient', 'client'], ['order', 'purchase'], ['invoice', 'bill'], ['course', 'class'], ['prescription', 'script']];

// ---------------------------------------------------------------- checks

interface Check {
  id: string;
  criterion: string;
  target: string;
  passed: boolean;
  note: string;
}

export function accessibilityChecks(input: AgentInput, model: IdeaModel): Check[] {
  const palette = brandPalette(model);
  const stories = storiesOf(input, model);
  const storyText = stories.map((s) => `${s.title} ${s.acceptanceCriteria.join(' ')}`).join(' ');
  const keyboard = /only a keyboard/i.test(storyText);
  const checks: Omit<Check, 'id'>[] = [
    ...([['text', palette.text, palette.background], ['primary button', palette.onPrimary, palette.primary], ['links', palette.accent, palette.background]] as const).map(([what, fg, bg]) => {
      const ratio = contrast(fg, bg);
      return { criterion: '1.4.3 Contrast (Minimum)', target: what, passed: ratio >= 4.5, note: `${fg} on ${bg}: ${ratio}:1 (needs 4.5:1)` };
    }),
  ];
  for (const flow of flowsOf(input, model)) {
    for (const screen of flow.screens) {
      const own = stories.filter((s) => flow.steps.some((st) => st.screen === screen && st.storyId === s.id));
      checks.push({ criterion: '2.1.1 Keyboard', target: screen, passed: keyboard, note: keyboard ? 'A story requires keyboard-only use' : 'No story requires keyboard-only use' });
      if (/editor$/.test(screen)) {
        const errors = own.some((s) => s.acceptanceCriteria.some((c) => /error naming/i.test(c)));
        checks.push({ criterion: '3.3.1 Error Identification', target: screen, passed: errors, note: errors ? 'Errors name the field' : 'No criterion says how errors are shown' });
      }
    }
  }
  if (model.signals.video) {
    const captions = /caption/i.test(storyText);
    checks.push({ criterion: '1.2.4 Captions (Live)', target: 'video calls', passed: captions, note: captions ? 'Captions are in scope' : 'No story provides live captions for video' });
  }
  const seen = new Set<string>();
  return checks
    .filter((c) => (seen.has(`${c.criterion}|${c.target}`) ? false : (seen.add(`${c.criterion}|${c.target}`), true)))
    .map((c, i) => ({ id: `A11Y-${i + 1}`, ...c }));
}

export function uiScreens(input: AgentInput, model: IdeaModel) {
  const dm = dataModelOf(input, model);
  const flows = flowsOf(input, model);
  const screens = [...new Set(flows.flatMap((f) => f.screens))];
  const flowIssues = flows.filter((f) => f.steps.length > 8).map((f) => ({ screen: f.name, issue: `${f.steps.length} steps in one journey; offer shortcuts for frequent tasks` }));
  const screenIssues = screens.flatMap((screen) => {
    const entity = dm.entities.find((e) => screen.toLowerCase().startsWith(spaced(e.name)));
    if (!entity) return [];
    const inputs = entity.fields.filter((f) => !['id', 'createdAt', 'updatedAt', 'passwordHash'].includes(f.name) && !f.name.endsWith('Id'));
    const issues: { screen: string; issue: string }[] = [];
    if (/editor$/.test(screen) && inputs.length > 5) issues.push({ screen, issue: `Group the ${inputs.length} fields of a ${spaced(entity.name)} into sections` });
    const hidden = inputs.filter((f) => f.sensitive).map((f) => spaced(f.name));
    if (/list$/.test(screen) && isSensitiveEntity(model, entity.name) && hidden.length) issues.push({ screen, issue: `Mask ${hidden.join(', ')} in the list until a row is opened` });
    return issues;
  });
  const issues = [...flowIssues, ...screenIssues];
  const scored = screens.map((s) => ({ screen: s, issues: issues.filter((i) => i.screen === s).map((i) => i.issue) })).map((s) => ({ ...s, score: round(Math.max(0, 1 - 0.1 * s.issues.length), 2) }));
  const score = round(scored.reduce((a, s) => a + s.score, 0) / Math.max(1, scored.length) - 0.05 * flowIssues.length, 2);
  return { screens: scored, flowIssues, score: Math.max(0, score) };
}

export function brandChecks(input: AgentInput, model: IdeaModel) {
  const stories = storiesOf(input, model);
  const text = stories.map((s) => `${s.title} ${s.iWant} ${s.soThat} ${s.acceptanceCriteria.join(' ')}`).join(' ');
  const ws = wordSet(`${input.idea.idea} ${text}`);
  const terminology = model.entities.map((e) => {
    const head = spaced(e).split(' ').pop()!;
    const pair = SYNONYMS.find(([a, b]) => a === head || b === head);
    const other = pair ? (pair[0] === head ? pair[1] : pair[0]) : undefined;
    return { term: spaced(e), variants: other && ws.has(other) ? [other] : [] };
  });
  const issues = terminology.filter((t) => t.variants.length).map((t) => `"${t.term}" is also called "${t.variants.join('", "')}"; pick one`);
  return { terminology, issues, score: round(Math.max(0, 1 - 0.1 * issues.length), 2) };
}

// ---------------------------------------------------------------- agents

export const AccessibilityAgent: Agent = {
  name: 'AccessibilityAgent',
  description: 'Checks contrast, keyboard access, error identification and captions (WCAG 2.2) screen by screen',
  outputSchema: {
    type: 'object',
    required: ['accessibility', 'verdict'],
    properties: {
      accessibility: { type: 'object', required: ['standard', 'score', 'checks', 'summary'], properties: { score: { type: 'number', minimum: 0, maximum: 1 }, checks: { type: 'array', minItems: 3, items: { type: 'object', required: ['id', 'criterion', 'target', 'passed'] } } } },
      verdict: { enum: ['ship', 'polish'] },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const checks = accessibilityChecks(ctx.input, model);
    const score = round(checks.filter((c) => c.passed).length / checks.length);
    const failed = checks.filter((c) => !c.passed);
    const summary = await narrate(ctx, 'Summarise the accessibility review.', [`${checks.length - failed.length} of ${checks.length} checks pass`, ...failed.map((c) => `${c.criterion} fails on ${c.target}: ${c.note}`)], 60);
    ctx.progress(100, `score ${score}`);
    return { accessibility: { standard: model.compliance.find((c) => c.startsWith('WCAG')) ?? 'WCAG 2.2 AA', score, checks, summary }, verdict: verdictFor(score) };
  },
};

export const UIReviewAgent: Agent = {
  name: 'UIReviewAgent',
  description: 'Reviews screens and journeys for form density, journey length and sensitive data on lists',
  outputSchema: {
    type: 'object',
    required: ['uiReview', 'verdict'],
    properties: {
      uiReview: { type: 'object', required: ['screens', 'score', 'summary'], properties: { screens: { type: 'array', minItems: 1, items: { type: 'object', required: ['screen', 'issues', 'score'] } }, score: { type: 'number', minimum: 0, maximum: 1 } } },
      verdict: { enum: ['ship', 'polish'] },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const review = uiScreens(ctx.input, model);
    const summary = await narrate(ctx, 'Summarise the UI review.', [`${review.screens.length} screens reviewed, score ${review.score}`, ...review.screens.flatMap((s) => s.issues.map((i) => `${s.screen}: ${i}`)), ...review.flowIssues.map((f) => `${f.screen}: ${f.issue}`)], 60);
    ctx.progress(100, `score ${review.score}`);
    return { uiReview: { ...review, summary }, verdict: verdictFor(review.score) };
  },
};

export const BrandConsistencyAgent: Agent = {
  name: 'BrandConsistencyAgent',
  description: 'Sets voice, palette and terminology from the domain and checks the stories use one term per thing',
  outputSchema: {
    type: 'object',
    required: ['brandReview', 'verdict'],
    properties: {
      brandReview: { type: 'object', required: ['name', 'voice', 'palette', 'terminology', 'issues', 'score', 'summary'], properties: { score: { type: 'number', minimum: 0, maximum: 1 }, palette: { type: 'object', required: ['primary', 'text', 'background'] } } },
      verdict: { enum: ['ship', 'polish'] },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const checks = brandChecks(ctx.input, model);
    const voice = VOICE_BY_DOMAIN[model.domain] ?? VOICE_BY_DOMAIN.general;
    const summary = await narrate(ctx, 'Summarise the brand review.', [`${model.title} speaks in a ${voice} voice to ${model.personas.map(plural).join(', ')}`, `Terms: ${checks.terminology.map((t) => t.term).join(', ')}`, ...checks.issues], 60);
    ctx.progress(100, `score ${checks.score}`);
    return { brandReview: { name: model.title, voice, palette: brandPalette(model), typography: { family: 'Inter, system-ui, sans-serif', baseSizePx: 16, minTargetPx: 44 }, ...checks, summary: capitalize(asString(summary)) }, verdict: verdictFor(checks.score) };
  },
};

export const AESTHETIC_AGENTS: Agent[] = [UIReviewAgent, AccessibilityAgent, BrandConsistencyAgent];
