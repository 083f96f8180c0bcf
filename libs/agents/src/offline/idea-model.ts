import type { AgentInput } from '../sdk';
import { analyzeIdea, capitalize, IdeaAnalysis } from './analysis';
import { asRecord, asString, asStrings, lookup, pascal, plural, recordsWith, singular, spaced, uniq } from './util';

export interface Capability {
  id: string;
  name: string;
  description: string;
  /** Stated in the idea as an action ("schedule visits"), not filled in from a keyword. */
  explicit: boolean;
}

export interface Signals {
  video: boolean;
  realtime: boolean;
  notifications: boolean;
  email: boolean;
  sms: boolean;
  mobile: boolean;
  web: boolean;
  offline: boolean;
  payments: boolean;
  files: boolean;
  search: boolean;
  location: boolean;
  euResidency: boolean;
  accounts: boolean;
  language: 'typescript' | 'python';
}

/**
 * What every later agent needs to know about the idea: the intake IdeaSpec when there is one
 * (falling back to the rule-based analysis), plus the domain entities and technical signals read
 * off the idea text by explicit rules.
 */
export interface IdeaModel {
  title: string;
  summary: string;
  problem: string;
  domain: string;
  keywords: string[];
  personas: string[];
  capabilities: Capability[];
  /** PascalCase domain entities in order of first mention (no User: that one is added by the data model). */
  entities: string[];
  compliance: string[];
  /** Compliance regimes that bring legal obligations (WCAG is a design standard, not counted). */
  regulated: string[];
  dataSensitivity: 'low' | 'medium' | 'high';
  constraints: string[];
  /** The idea text itself, for rules that look at where words occur. */
  ideaText: string;
  signals: Signals;
  /** Sells to organisations (clinics, teams, stores) rather than to individuals. */
  b2b: boolean;
}

const STOP = new Set(
  'a an the and or for to of in on at by with from into over under about per via as is are be been can could will would should that which who whose whom their your my our its his her this these those each every all any some more most less few other own so than then also just only very not no nor but if while when where how what why it they them we you i me us both either neither such same up down out off across through between within without among everything something anything nothing everyone'.split(' '),
);
const DETERMINERS = new Set('a an the each every my your their our his her its this that any'.split(' '));
const GENERIC = new Set(
  'app apps application applications platform platforms system systems tool tools service services solution solutions product products website websites site sites portal portals software dashboard way ways thing things users user people everyone someone anyone lot lots bit kind kinds type types part parts marketplace marketplaces network hub assistant bot tracker map maps screen screens page pages button buttons interface'.split(' '),
);
const ADJECTIVES = new Set(
  'simple easy quick fast new better smart modern secure private personal shared daily weekly monthly yearly free online digital virtual local small large big multiple various different own best good great friendly beautiful intuitive automatic automated real instant single first last next main whole full basic advanced custom public social mobile'.split(' '),
);
const VERBS = new Set(
  'let allow enable help track manage book share find send schedule pay create record monitor compare sync notify report search plan order learn use get make keep see view add edit remove delete connect collaborate discover organize organise store upload download rate review browse match suggest recommend automate log request approve assign invite join chat message post publish sell buy rent hire split attach sign export lend borrow swap trade'.split(' '),
);
const THIRD_PERSON = new Set('lets allows enables helps makes keeps gets uses gives offers provides supports turns brings'.split(' '));
const ADJECTIVE_SUFFIX = /(ly|ful|ous|ive|able|ible|less|ish)$/;

/** "Schedule visits" starts with a verb; "Tokenised card payments" does not. */
export const startsWithVerb = (text: string) => VERBS.has((text.split(/\s+/)[0] ?? '').toLowerCase());

type Token = { text: string; candidate: boolean };

function isNounCandidate(word: string, prev: string | undefined, next: string | undefined): boolean {
  if (!/^\p{L}[\p{L}\p{N}]+$/u.test(word) || word.length < 3) return false;
  // "pay by card", "reports via email": the means, not a thing the product stores
  if (prev === 'by' || prev === 'via') return false;
  // a generic word the user acts on ("rent tools", "sell products") is a thing, not the product
  if (GENERIC.has(word) && word !== singular(word) && prev !== undefined && VERBS.has(prev)) return !/^(users|people|apps|platforms|websites|sites|maps|screens|pages|buttons)$/.test(word);
  if (STOP.has(word) || GENERIC.has(word) || ADJECTIVES.has(word) || THIRD_PERSON.has(word)) return false;
  if (ADJECTIVE_SUFFIX.test(word) || (word.length > 5 && /ed$/.test(word))) return false;
  const afterDeterminer = prev !== undefined && DETERMINERS.has(prev);
  if (/ing$/.test(word)) return afterDeterminer;
  if (VERBS.has(word)) return afterDeterminer;
  // "orders", "reviews": a plural noun unless it follows a subject ("that tracks", "it plans")
  if (VERBS.has(singular(word)) && word !== singular(word)) return prev !== undefined && !['that', 'which', 'who', 'it', 'also', 'and', 'or', 'to'].includes(prev) && next !== 'the';
  return true;
}

function tokenize(text: string): Token[] {
  const raw = text.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]*|[0-9]+|[.,;:!?()]/gu) ?? [];
  return raw.map((t, i) => ({ text: t, candidate: isNounCandidate(t, raw[i - 1], raw[i + 1]) }));
}

/**
 * Domain entities from noun runs: "patient video visits" gives Patient and VideoVisit (a singular
 * noun before a plural one is its modifier). A run right before a generic word ("todo app",
 * "telehealth platform") describes the product; it counts as an entity only when the idea names
 * fewer than two other things.
 */
export function extractEntities(idea: string): string[] {
  const tokens = tokenize(idea);
  const found: { name: string; descriptor: boolean }[] = [];
  let run: string[] = [];
  const flush = (nextWord: string | undefined) => {
    const descriptor = nextWord !== undefined && GENERIC.has(nextWord);
    for (let i = 0; i < run.length; i++) {
      const w = run[i];
      const next = run[i + 1];
      if (next && singular(w) === w && singular(next) !== next) {
        found.push({ name: pascal(`${w} ${singular(next)}`), descriptor });
        i++;
      } else found.push({ name: pascal(singular(w)), descriptor });
    }
    run = [];
  };
  for (const t of tokens) {
    if (t.candidate) run.push(t.text);
    else if (run.length) flush(t.text);
  }
  if (run.length) flush(undefined);
  const named = uniq(found.filter((f) => !f.descriptor).map((f) => f.name));
  const all = uniq(found.map((f) => f.name));
  return (named.length >= 2 ? named : all).filter((n) => n !== 'User').slice(0, 6);
}

export function detectSignals(text: string, constraints: string[]): Signals {
  const t = text.toLowerCase();
  const c = constraints.join(' ').toLowerCase();
  const has = (re: RegExp) => re.test(t);
  return {
    video: has(/\bvideo|webcam|telehealth|telemedicine|video call/),
    realtime: has(/\bchat|real-?time|\blive\b|messag/),
    notifications: has(/remind|notif|alert|\bpush\b|e-?mail|\bsms\b|text message/),
    email: has(/e-?mail/),
    sms: has(/\bsms\b|text message/),
    mobile: has(/\bmobile|\bios\b|android|phone|on the go/),
    web: !/\b(mobile[- ]only|no web)\b/.test(t),
    offline: has(/\boffline/),
    payments: has(/\bpay\b|payment|checkout|billing|subscription|invoice|\bcard\b/),
    files: has(/upload|document|photo|image|\bfiles?\b|attachment|\bscan|\bpdf\b|prescription|receipt/),
    search: has(/search|\bfind|discover|browse|filter|\bcompare/),
    location: has(/\bmaps?\b|location|nearby|\broutes?\b|\bgps\b|delivery|deliveries/),
    euResidency: has(/\beu\b|europe|gdpr/),
    accounts: !/\b(no (accounts?|sign-?ups?|logins?|registration)|anonymous)\b/.test(c),
    language: /\b(python|django|fastapi|flask)\b/.test(c) ? 'python' : 'typescript',
  };
}

const B2B = /\b(clinics?|business(es)?|teams?|compan(y|ies)|enterprises?|schools?|stores?|organi[sz]ations?|agenc(y|ies)|restaurants?|hospitals?|firms?|employers?|landlords?|b2b|practices?|administrators?)\b/i;

/** "HIPAA-compliant telehealth platform for clinics to schedule patient video visits" -> "Schedule patient video visits". */
function capabilityName(description: string): string {
  const ws = description.split(/\s+/);
  const at = ws.findIndex((w) => VERBS.has(w.toLowerCase().replace(/[^a-z]/g, '')) || VERBS.has(singular(w.toLowerCase().replace(/[^a-z]/g, ''))));
  const from = at >= 0 ? ws.slice(at) : ws;
  return capitalize(from.slice(0, 7).join(' ').replace(/[.,;:]+$/, ''));
}

/**
 * Capabilities stated as actions keep their own words; ones filled from a keyword are kept only
 * when the keyword is a domain entity, and are renamed after it.
 */
export function refineCapabilities(raw: { id: string; name: string; description: string }[], entities: string[]): Capability[] {
  const out: Capability[] = [];
  for (const c of raw) {
    const filled = /^Create, view, update and remove (.+) records$/.exec(c.description);
    if (!filled) {
      out.push({ id: c.id, name: capabilityName(c.description), description: c.description, explicit: true });
      continue;
    }
    const entity = entities.find((e) => spaced(e).split(' ').includes(singular(filled[1])));
    if (!entity || out.some((o) => o.name.toLowerCase().includes(spaced(entity)))) continue;
    const things = plural(spaced(entity));
    out.push({ id: c.id, name: `Manage ${things}`, description: `Create, view, update and remove ${things}`, explicit: false });
  }
  for (const e of entities) {
    if (out.some((o) => o.name.toLowerCase().includes(spaced(e).split(' ').pop()!))) continue;
    const things = plural(spaced(e));
    out.push({ id: `CAP-${out.length + raw.length + 1}`, name: `Manage ${things}`, description: `Create, view, update and remove ${things}`, explicit: false });
  }
  return out.slice(0, 8);
}

function intakeSpec(input: AgentInput, a: IdeaAnalysis) {
  const spec = asRecord(lookup(input, 'ideaSpec'));
  const caps = recordsWith(spec.capabilities, ['id', 'description']).map((c) => ({ id: asString(c.id), name: asString(c.name, asString(c.description)), description: asString(c.description) }));
  const sensitivity = asString(spec.dataSensitivity);
  return {
    title: asString(spec.title) || a.title,
    summary: asString(spec.summary) || a.summary,
    problem: asString(spec.problem) || a.summary,
    domain: asString(spec.domain) || a.domain,
    keywords: asStrings(spec.keywords).length ? asStrings(spec.keywords) : a.keywords,
    personas: asStrings(spec.personas).length ? asStrings(spec.personas) : a.personas,
    capabilities: caps.length ? caps : a.capabilities,
    compliance: asStrings(spec.compliance).length ? asStrings(spec.compliance) : a.compliance,
    entityHints: asStrings(spec.entities).length ? asStrings(spec.entities) : a.entities,
    dataSensitivity: (['low', 'medium', 'high'].includes(sensitivity) ? sensitivity : a.dataSensitivity) as IdeaModel['dataSensitivity'],
  };
}

/** "clinic administrators" -> "clinic administrator": personas are roles, named in the singular. */
export function singularRole(persona: string): string {
  const ws = persona.trim().split(/\s+/);
  const last = ws.pop() ?? '';
  const one = /^[a-z]+$/i.test(last) ? singular(last) : last;
  return [...ws, last === last.toLowerCase() ? one : capitalize(one)].join(' ');
}

export function ideaOf(input: AgentInput): IdeaModel {
  const idea = input.idea;
  const a = analyzeIdea(idea);
  const spec = intakeSpec(input, a);
  const extracted = extractEntities(idea.idea);
  const hinted = spec.entityHints.map((e) => e.toLowerCase()).filter((e) => isNounCandidate(e, undefined, undefined));
  const entities = extracted.length ? extracted : uniq(hinted.map((e) => pascal(singular(e)))).slice(0, 4);
  const text = [idea.idea, ...idea.targetUsers, ...idea.constraints].join('. ');
  const extractedConstraints = recordsWith(lookup(input, 'constraints'), ['text']).map((c) => asString(c.text));
  const { entityHints: _hints, ...rest } = spec;
  return {
    ...rest,
    personas: uniq(spec.personas.map(singularRole).filter(Boolean)),
    capabilities: refineCapabilities(spec.capabilities, entities.length ? entities : ['Item']),
    entities: entities.length ? entities : ['Item'],
    regulated: spec.compliance.filter((c) => c !== 'WCAG 2.2 AA').sort(),
    constraints: uniq([...idea.constraints, ...extractedConstraints]),
    ideaText: idea.idea,
    signals: detectSignals(text, idea.constraints),
    b2b: B2B.test([idea.idea, ...idea.targetUsers].join(' ')),
  };
}

/** The persona whose name shares the most words with a text; the first persona on a tie. */
export function personaFor(model: IdeaModel, text: string): string {
  const ws = new Set(text.toLowerCase().split(/[^a-z]+/).map(singular));
  let best = model.personas[0] ?? 'User';
  let bestHits = 0;
  for (const p of model.personas) {
    const hits = p.toLowerCase().split(/[^a-z]+/).map(singular).filter((w) => w.length > 3 && ws.has(w)).length;
    if (hits > bestHits) [best, bestHits] = [p, hits];
  }
  return best;
}

/** The entity a text talks about: a full multi-word name beats a head-word match; the earlier entity wins a tie. */
export function entityFor(model: IdeaModel, text: string): string {
  const t = ` ${text.toLowerCase().split(/[^a-z]+/).filter(Boolean).map(singular).join(' ')} `;
  let best = model.entities[0];
  let bestScore = 0;
  for (const e of model.entities) {
    const ws = spaced(e).split(' ');
    const score = t.includes(` ${ws.join(' ')} `) ? ws.length + 1 : t.includes(` ${ws[ws.length - 1]} `) ? 1 : 0;
    if (score > bestScore) [best, bestScore] = [e, score];
  }
  return best;
}

const PERSON_LIKE = /(patient|client|customer|student|member|driver|doctor|tenant|employee|person|contact|guest|parent|child|owner|neighbou?r|teacher|user|friend|walker|renter|buyer|seller|admin|manager|staff|worker|volunteer|coach|tutor)$/i;

/** An entity that stands for people (a persona or a person-like role) rather than for things they handle. */
export function isPersonLike(model: IdeaModel, entity: string): boolean {
  const head = spaced(entity).split(' ').pop()!;
  return PERSON_LIKE.test(head) || model.personas.some((p) => singular(p.toLowerCase().split(' ').pop()!) === head);
}

/** The main thing the product handles: the first entity that is not a kind of person. */
export function primaryEntity(model: IdeaModel): string {
  return model.entities.find((e) => !isPersonLike(model, e)) ?? model.entities[0];
}

/** Entities holding regulated personal data: people and clinical/financial records under a regulated idea. */
export function isSensitiveEntity(model: IdeaModel, entity: string): boolean {
  if (model.dataSensitivity !== 'high') return false;
  return /(patient|prescription|medic|record|visit|appointment|diagnos|payment|card|account|invoice|student|child|member|client|customer|user)/i.test(entity);
}
