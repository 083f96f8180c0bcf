import type { Agent, AgentInput } from '../sdk';
import { capitalize } from './analysis';
import { Capability, entityFor, IdeaModel, ideaOf, isPersonLike, isSensitiveEntity, personaFor, primaryEntity } from './idea-model';
import { asString, lookup, lowerFirst, narrate, plural, recordsWith, singular, spaced } from './util';
import { detectContradictions } from './constraint-conflicts';

export interface Persona {
  id: string;
  name: string;
  goals: string[];
  painPoints: string[];
  capabilityIds: string[];
  narrative: string;
}

export interface UseCase {
  id: string;
  title: string;
  actor: string;
  goal: string;
  entity: string;
  capabilityId?: string;
  preconditions: string[];
  steps: string[];
  postconditions: string[];
}

export interface Feature {
  id: string;
  name: string;
  description: string;
  source: string;
  entity: string;
  persona: string;
  priority: 'must' | 'should' | 'could';
  effort: 'S' | 'M' | 'L';
}

const EVENT_LIKE = /(remind|visit|appointment|booking|event|meeting|session|class|lesson|shift|reservation|deadline|task|todo)/i;

/** The first persona owns every capability; the others own the ones that name them. */
function capabilitiesOf(model: IdeaModel, persona: string, index: number): Capability[] {
  return index === 0 ? model.capabilities : model.capabilities.filter((c) => personaFor(model, `${c.name} ${c.description}`) === persona);
}

/** The entity notifications are about: a reminder-like one, a dated one, else the one named closest to a notification word. */
export function notifiedEntity(model: IdeaModel): string {
  const named = model.entities.find((e) => /remind|alert|notif/i.test(e)) ?? model.entities.find((e) => EVENT_LIKE.test(e));
  if (named) return named;
  // people are who gets notified, not what the notification is about
  const things = model.entities.filter((e) => !isPersonLike(model, e));
  const text = model.ideaText.toLowerCase();
  const at = text.search(/remind|notif|alert|e-?mail|\bsms\b|\bpush\b/);
  const distance = (e: string) => {
    const i = text.indexOf(singular(spaced(e).split(' ').pop()!));
    return at < 0 || i < 0 ? Number.MAX_SAFE_INTEGER : Math.abs(at - i);
  };
  return [...(things.length ? things : model.entities)].sort((a, b) => distance(a) - distance(b))[0];
}

export function derivePersonas(model: IdeaModel): Omit<Persona, 'narrative'>[] {
  const primary = model.personas[0];
  return model.personas.slice(0, 6).map((name, i) => {
    const caps = capabilitiesOf(model, name, i);
    const goals = caps.length ? caps.map((c) => c.name) : model.capabilities.slice(0, 2).map((c) => `Take part when ${plural(primary)} ${lowerFirst(c.name)}`);
    const painPoints = [
      ...caps.slice(0, 3).map((c) => `No single place to ${lowerFirst(c.name)}`),
      ...(model.signals.notifications ? [`Misses ${plural(spaced(notifiedEntity(model)))} without a timely nudge`] : []),
      ...(model.regulated.length ? [`Needs ${model.entities.filter((e) => isSensitiveEntity(model, e)).map(spaced).join(', ') || 'personal data'} handled under ${model.regulated.join(', ')}`] : []),
    ];
    return { id: `P-${i + 1}`, name, goals: goals.length ? goals : [`Use ${model.title}`], painPoints, capabilityIds: caps.map((c) => c.id) };
  });
}

const LOOKS_UP = /^(find|search|browse|review|see|view|compare)\b/i;

function useCaseSteps(model: IdeaModel, action: string, entity: string): string[] {
  const thing = spaced(entity);
  const outcome = LOOKS_UP.test(action) ? [`The system lists the matching ${plural(thing)}`] : [`The system validates the ${thing} and saves it`, ...(model.signals.notifications && EVENT_LIKE.test(entity) ? [`The system schedules a notification for the ${thing}`] : [])];
  return [
    `Open ${model.title}`,
    `Go to ${plural(thing)}`,
    capitalize(action),
    ...outcome,
    ...(isSensitiveEntity(model, entity) ? [`The system records the access to the ${thing} in the audit log`] : []),
  ];
}

function useCase(model: IdeaModel, n: number, title: string, entity: string, capability?: Capability): UseCase {
  const actor = personaFor(model, capability ? `${capability.name} ${capability.description}` : title);
  return {
    id: `UC-${n}`,
    title,
    actor,
    goal: `${capitalize(actor)}: ${lowerFirst(title)}`,
    entity,
    ...(capability ? { capabilityId: capability.id } : {}),
    preconditions: [model.signals.accounts ? `Signed in with the ${actor} role` : `${model.title} is open on the device`],
    steps: useCaseSteps(model, title, entity),
    postconditions: [LOOKS_UP.test(title) ? `The ${plural(spaced(entity))} shown match the request` : `The ${spaced(entity)} is stored and visible to authorised users`],
  };
}

/** One use case per capability; entities without one get a "find" and then a "review history" case until there are three. */
export function deriveUseCases(model: IdeaModel): UseCase[] {
  const cases = model.capabilities.map((c, i) => useCase(model, i + 1, c.name, entityFor(model, c.name), c));
  const extras = [...model.entities.map((e) => `Find ${plural(spaced(e))}`), ...model.entities.map((e) => `Review the history of a ${spaced(e)}`)];
  for (const title of extras) {
    if (cases.length >= 3) break;
    cases.push(useCase(model, cases.length + 1, title, entityFor(model, title)));
  }
  return cases;
}

const COMPLIANCE_FEATURES: Record<string, (model: IdeaModel) => string> = {
  HIPAA: (m) => `Audit trail of ${m.entities.filter((e) => isSensitiveEntity(m, e)).map((e) => spaced(e)).join(' and ') || 'record'} access`,
  GDPR: () => 'Export and delete my personal data',
  'PCI-DSS': () => 'Tokenised card payments',
  COPPA: () => "Parental consent for children's accounts",
  'SOC 2': () => 'Administrator activity log',
  'WCAG 2.2 AA': (m) => `Accessible ${m.title} interface (WCAG 2.2 AA)`,
};

function signalFeatures(model: IdeaModel): { name: string; source: string; priority: Feature['priority'] }[] {
  const s = model.signals;
  const eventEntity = notifiedEntity(model);
  const first = primaryEntity(model);
  const out: { name: string; source: string; priority: Feature['priority'] }[] = [];
  if (s.accounts) out.push({ name: `Sign up and sign in to ${model.title}`, source: 'signal:accounts', priority: 'must' });
  if (s.notifications) out.push({ name: `Get notified about upcoming ${plural(spaced(eventEntity))}`, source: 'signal:notifications', priority: /remind/i.test(eventEntity) ? 'must' : 'should' });
  const meeting = model.entities.find((e) => /visit|call|session|meeting|class|lesson|appointment/i.test(e)) ?? eventEntity;
  if (s.video && !model.capabilities.some((c) => /^join\b/i.test(c.name))) out.push({ name: `Join a ${spaced(meeting)} by video`, source: 'signal:video', priority: 'must' });
  if (s.search) out.push({ name: `Search ${plural(spaced(first))}`, source: 'signal:search', priority: 'should' });
  if (s.files) out.push({ name: `Attach documents to a ${spaced(model.entities[model.entities.length - 1])}`, source: 'signal:files', priority: 'should' });
  if (s.offline) out.push({ name: `Use ${plural(spaced(first))} offline`, source: 'signal:offline', priority: 'should' });
  if (s.payments) out.push({ name: `Pay for a ${spaced(first)}`, source: 'signal:payments', priority: 'must' });
  if (s.realtime) out.push({ name: `Chat about a ${spaced(first)}`, source: 'signal:realtime', priority: 'could' });
  if (s.location) out.push({ name: `See ${plural(spaced(first))} on a map`, source: 'signal:location', priority: 'could' });
  return out;
}

function effortOf(name: string, source: string): Feature['effort'] {
  if (/compliance:(HIPAA|PCI|COPPA)|signal:(video|payments|offline)/.test(source)) return 'L';
  return name.split(/\s+/).length > 4 ? 'M' : 'S';
}

/** Features: every capability, the enablers its signals call for, and what its compliance requires. */
export function deriveFeatures(model: IdeaModel): Feature[] {
  const explicitCount = model.capabilities.filter((c) => c.explicit).length;
  const fromCaps = model.capabilities.map((c) => ({ name: c.name, description: c.description, source: c.id, priority: (c.explicit || explicitCount < 2 ? 'must' : 'should') as Feature['priority'] }));
  const fromSignals = signalFeatures(model).map((f) => ({ ...f, description: `${f.name} (${f.source.replace('signal:', '')} is implied by the idea)` }));
  const fromCompliance = model.compliance
    .filter((c) => COMPLIANCE_FEATURES[c])
    .map((c) => ({ name: COMPLIANCE_FEATURES[c](model), description: `Required by ${c}`, source: `compliance:${c}`, priority: (c === 'WCAG 2.2 AA' || c === 'SOC 2' ? 'should' : 'must') as Feature['priority'] }));
  return [...fromCaps, ...fromSignals, ...fromCompliance].map((f, i) => ({
    id: `F-${i + 1}`,
    ...f,
    entity: entityFor(model, f.name),
    persona: personaFor(model, `${f.name} ${f.description}`),
    effort: effortOf(f.name, f.source),
  }));
}

/** Upstream features when present and well-formed, else derived from the idea. */
export function partitionByConstraints(features: Feature[], constraints: string[]): { kept: Feature[]; outOfScope: { feature: string; reason: string }[] } {
  const kept: Feature[] = [];
  const outOfScope: { feature: string; reason: string }[] = [];
  for (const f of features) {
    const conflict = detectContradictions(constraints, [f.name])[0];
    if (conflict) outOfScope.push({ feature: f.name, reason: conflict.reason });
    else kept.push(f);
  }
  return { kept, outOfScope };
}

export function featuresOf(input: AgentInput, model = ideaOf(input)): Feature[] {
  const up = recordsWith(lookup(input, 'features'), ['id', 'name', 'priority']);
  if (!up.length) return partitionByConstraints(deriveFeatures(model), model.constraints).kept;
  return up.map((f) => ({
    id: asString(f.id),
    name: asString(f.name),
    description: asString(f.description, asString(f.name)),
    source: asString(f.source, 'upstream'),
    entity: asString(f.entity) || entityFor(model, asString(f.name)),
    persona: asString(f.persona) || personaFor(model, asString(f.name)),
    priority: (['must', 'should', 'could'].includes(asString(f.priority)) ? f.priority : 'should') as Feature['priority'],
    effort: (['S', 'M', 'L'].includes(asString(f.effort)) ? f.effort : 'M') as Feature['effort'],
  }));
}

export function useCasesOf(input: AgentInput, model = ideaOf(input)): UseCase[] {
  const up = recordsWith(lookup(input, 'useCases'), ['id', 'title', 'actor']);
  return up.length ? (up as unknown as UseCase[]) : deriveUseCases(model);
}

export const PersonaAgent: Agent = {
  name: 'PersonaAgent',
  description: 'Turns target users into personas with goals and pain points',
  outputSchema: {
    type: 'object',
    required: ['personas'],
    properties: {
      personas: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['id', 'name', 'goals', 'painPoints', 'narrative'],
          properties: { id: { type: 'string' }, name: { type: 'string', minLength: 1 }, goals: { type: 'array', minItems: 1, items: { type: 'string' } }, painPoints: { type: 'array', items: { type: 'string' } }, narrative: { type: 'string' } },
        },
      },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const personas: Persona[] = [];
    for (const p of derivePersonas(model)) {
      const narrative = await narrate(ctx, `Describe the persona "${p.name}" in two sentences.`, [model.summary, `${capitalize(p.name)} wants to ${p.goals.map(lowerFirst).join(', ')}`, ...p.painPoints], 80);
      personas.push({ ...p, narrative });
      ctx.heartbeat();
    }
    ctx.progress(100, `${personas.length} personas`);
    return { personas };
  },
};

export const UseCaseAgent: Agent = {
  name: 'UseCaseAgent',
  description: 'Writes use cases (actor, steps, pre/postconditions) for every capability',
  outputSchema: {
    type: 'object',
    required: ['useCases'],
    properties: {
      useCases: {
        type: 'array',
        minItems: 3,
        items: {
          type: 'object',
          required: ['id', 'title', 'actor', 'goal', 'steps', 'preconditions', 'postconditions'],
          properties: { id: { type: 'string', pattern: '^UC-\\d+$' }, title: { type: 'string', minLength: 1 }, actor: { type: 'string' }, steps: { type: 'array', minItems: 3, items: { type: 'string' } } },
        },
      },
      useCaseSummary: { type: 'string' },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    const useCases = deriveUseCases(model);
    const useCaseSummary = await narrate(ctx, 'Summarise what these use cases cover.', [model.summary, ...useCases.map((u) => `${capitalize(u.actor)} can ${lowerFirst(u.title)}`)], 100);
    ctx.progress(100, `${useCases.length} use cases`);
    return { useCases, useCaseSummary };
  },
};

export const FeatureBrainstormAgent: Agent = {
  name: 'FeatureBrainstormAgent',
  description: 'Lists features from capabilities, implied enablers and compliance needs, with priority and effort',
  outputSchema: {
    type: 'object',
    required: ['features', 'featureBrief'],
    properties: {
      features: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['id', 'name', 'source', 'priority', 'effort'],
          properties: { id: { type: 'string', pattern: '^F-\\d+$' }, priority: { enum: ['must', 'should', 'could'] }, effort: { enum: ['S', 'M', 'L'] } },
        },
      },
      featureBrief: { type: 'object', required: ['idea', 'narrative'], properties: { idea: { type: 'string' }, narrative: { type: 'string' } } },
      outOfScope: { type: 'array', items: { type: 'object', required: ['feature', 'reason'] } },
    },
  },
  async run(ctx) {
    const model = ideaOf(ctx.input);
    // A feature a constraint rules out is not proposed; it is listed as out of scope instead.
    const { kept: features, outOfScope } = partitionByConstraints(deriveFeatures(model), model.constraints);
    const must = features.filter((f) => f.priority === 'must');
    const narrative = await narrate(ctx, 'Explain which features matter most and why.', [model.summary, `Must-have features: ${must.map((f) => f.name).join('; ')}`, ...features.map((f) => `${f.name}: ${f.description}`)], 120);
    ctx.progress(100, `${features.length} features`);
    return { features, outOfScope, featureBrief: { idea: model.summary, narrative } };
  },
};

export const IDEATION_AGENTS: Agent[] = [PersonaAgent, UseCaseAgent, FeatureBrainstormAgent];
