import { createHash } from 'node:crypto';

/**
 * The labelled claim set for measuring the grounding guard, built by controlled perturbation:
 * each claim is made from one evidence sentence by an operation whose effect on truth is known,
 * so the label comes from the construction, not from anyone's judgement of the output.
 *
 * supported:   verbatim · a clause of the sentence · a light paraphrase (framing phrase, dropped
 *              adverb or article, synonyms, a reordered list, "can" for "lets")
 * unsupported: negation inserted · negation removed · a number changed · two roles swapped ·
 *              an entity replaced by one from another idea · an unsupported addition (a foreign
 *              capability, a made-up integration, scale or place) · an antonym
 *
 * Everything is deterministic: choices come from a hash of the seed and the sentence, so the same
 * evidence always yields the same claims (a spec regenerates them and compares).
 */

export type Label = 'supported' | 'unsupported';

export interface EvidenceDoc {
  id: string;
  /** Where the text came from: the fixture idea itself or the offline agents' output for it. */
  origin: string;
  /** The idea's role words (personas, entities) the swap and substitution operations use. */
  roles: string[];
  text: string;
}

export interface LabelledClaim {
  id: string;
  evidenceId: string;
  claim: string;
  label: Label;
  /** The operation that made it (verbatim, clause, paraphrase, negation, number, swap, ...), or `hand-written`. */
  method: string;
  /** The evidence sentence it was made from. */
  source?: string;
}

export interface ClaimDataset {
  version: number;
  method: string;
  evidence: EvidenceDoc[];
  claims: LabelledClaim[];
}

const SEED = 'grounding-claims-v1';

/** A number in [0, 1) from a hash: the generator's only source of choice. */
function rand(...parts: string[]): number {
  return parseInt(createHash('sha256').update([SEED, ...parts].join('\u0000')).digest('hex').slice(0, 8), 16) / 2 ** 32;
}
const choose = <T>(xs: T[], ...key: string[]): T => xs[Math.floor(rand(...key) * xs.length)];

export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9])|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.split(/\s+/).length >= 5);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) && !/^(I|HIPAA|EU|UK|EHR|GDPR)\b/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);
const stripEnd = (s: string) => s.replace(/[.!?]+$/, '');
const end = (s: string) => `${stripEnd(s.trim())}.`;
const wordRe = (w: string) => new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');

// ---------------------------------------------------------------- supported operations

function clause(s: string): string | undefined {
  const m = /^(.{25,}?)(?:,\s+(?:and\s+)?|\s+so that\s+|\s+because\s+|\s+and\s+(?=\w+s\b)|;\s+)/.exec(stripEnd(s));
  if (!m) return undefined;
  const c = m[1].trim();
  return c.split(/\s+/).length >= 4 ? end(c) : undefined;
}

/** Meaning-preserving rewrites. Some use words the scorer's synonym list does not know, on purpose. */
const PARAPHRASE_WORDS: [RegExp, string][] = [
  [/\blets\b/i, 'allows'],
  [/\ballows\b/i, 'lets'],
  [/\bget\b/i, 'receive'],
  [/\bsend\b/i, 'deliver'],
  [/\bbuilds\b/i, 'creates'],
  [/\bquick\b/i, 'fast'],
  [/\bpeople\b/i, 'users'],
  [/\bbook\b/i, 'reserve'],
  [/\bkeep\b/i, 'store'],
  [/\bsuggests\b/i, 'proposes'],
  [/\bmanage\b/i, 'handle'],
  [/\bstays\b/i, 'remains'],
  [/\bfast\b/i, 'quick'],
];
/** Attributions of the kind a writer puts in front of a fact. */
const FRAMES = ['According to the description, ', 'It is stated that ', 'As described, ', 'The evidence says that '];

function paraphrase(s: string, key: string): string | undefined {
  const ops: ((x: string) => string | undefined)[] = [
    (x) => {
      const hits = PARAPHRASE_WORDS.filter(([re]) => re.test(x));
      if (!hits.length) return undefined;
      const [re, to] = choose(hits, key, 'word');
      return x.replace(re, (m) => (m[0] === m[0].toUpperCase() ? capitalise(to) : to));
    },
    (x) => `${choose(FRAMES, key, 'frame')}${lowerFirst(stripEnd(x))}.`,
    (x) => (/\b(the|a|an) /i.test(x.slice(1)) ? x.replace(/(?<=\s)(the|a|an) /i, '') : undefined),
    (x) => {
      // "A, B and C" -> "C, B and A" style reorder of a list of single words
      const m = /\b(\w+), (\w+) and (\w+)\b/.exec(x);
      return m ? x.replace(m[0], `${m[3]}, ${m[2]} and ${m[1]}`) : undefined;
    },
    (x) => (/\blets (\w+) (\w+)/i.test(x) ? x.replace(/\blets (\w+) (\w+)/i, (_m, who, verb) => `means ${who} can ${verb}`) : undefined),
  ];
  const start = Math.floor(rand(key, 'para') * ops.length);
  for (let i = 0; i < ops.length; i++) {
    const out = ops[(start + i) % ops.length](s);
    if (out && out !== s) return out;
  }
  return undefined;
}

// ---------------------------------------------------------------- unsupported operations

const AUX = /\b(is|are|was|were|can|will|must|should|does|do|has|have)\b/i;
const VERB_S = /\b(lets|allows|helps|tracks|splits|sends|settles|suggests|builds|books|lists|rates|stores|keeps|encrypts|serves|meets|depends|exposes|excludes|supports|records|shows|gives|needs|wants|runs|uses|works|integrates|stays|syncs)\b/i;

function negate(s: string): string | undefined {
  if (/\b(not|no|never|without|n't)\b/i.test(s)) return undefined;
  if (AUX.test(s)) return s.replace(AUX, (m) => `${m} not`);
  const m = VERB_S.exec(s);
  if (!m) return undefined;
  const base = m[1].replace(/ies$/, 'y').replace(/(ss|sh|ch|x)es$/, '$1').replace(/s$/, '');
  return s.replace(m[0], `does not ${base.toLowerCase()}`);
}

function unnegate(s: string): string | undefined {
  if (/\bno single place to\b/i.test(s)) return s.replace(/\bno single place to\b/i, 'a single place to');
  if (/\b(is|are|does|do|can|will|must) not\b/i.test(s)) return s.replace(/\b(is|are|does|do|can|will|must) not\b/i, '$1');
  if (/^No\s/.test(s)) return s.replace(/^No\s/, 'Include ');
  if (/\bwithout\b/i.test(s)) return s.replace(/\bwithout\b/i, 'with');
  return undefined;
}

const NUMBER_WORDS: Record<string, string> = { one: 'three', two: 'four', three: 'five', four: 'two', five: 'seven', six: 'nine', ten: 'twelve', twelve: 'twenty' };

function changeNumber(s: string, key: string): string | undefined {
  const m = /\b(\d+(?:\.\d+)?)\b/.exec(s);
  if (m) {
    const n = parseFloat(m[1]);
    const options = [n + 1, n * 2, n > 2 ? Math.round(n / 2) : n + 3].filter((x) => x !== n);
    const to = choose(options, key, 'num');
    const text = Number.isInteger(n) ? String(Math.round(to)) : to.toFixed(m[1].split('.')[1].length);
    return s.slice(0, m.index) + text + s.slice(m.index + m[1].length);
  }
  const w = Object.keys(NUMBER_WORDS).find((x) => wordRe(x).test(s));
  return w ? s.replace(wordRe(w), (x) => (x[0] === x[0].toUpperCase() ? capitalise(NUMBER_WORDS[w]) : NUMBER_WORDS[w])) : undefined;
}

/** Role words present in the sentence, longest first, not overlapping, at least two words apart. */
function rolesIn(s: string, roles: string[]): { role: string; at: number; len: number }[] {
  const found: { role: string; at: number; len: number }[] = [];
  for (const r of [...roles].sort((a, b) => b.length - a.length)) {
    const m = wordRe(r).exec(s);
    if (!m) continue;
    if (found.some((f) => m.index < f.at + f.len && f.at < m.index + m[0].length)) continue;
    found.push({ role: m[0], at: m.index, len: m[0].length });
  }
  return found.sort((a, b) => a.at - b.at);
}

function swapRoles(s: string, roles: string[]): string | undefined {
  const found = rolesIn(s, roles);
  for (let i = 0; i < found.length; i++) {
    for (let j = i + 1; j < found.length; j++) {
      const [a, b] = [found[i], found[j]];
      const between = s.slice(a.at + a.len, b.at);
      // Exchanging the members of a list ("patients, doctors and nurses") keeps the meaning, and so
      // does exchanging two forms of one word ("teacher", "teachers"): neither is a false claim.
      if (/^\s*,?\s*(?:[\w -]+,\s*)*(?:and\s+|or\s+)?$/i.test(between)) continue;
      if (a.role.toLowerCase().replace(/s$/, '') === b.role.toLowerCase().replace(/s$/, '')) continue;
      if (between.trim().split(/\s+/).length < 2) continue;
      return s.slice(0, a.at) + b.role + between + a.role + s.slice(b.at + b.len);
    }
  }
  return undefined;
}

function substitute(s: string, roles: string[], foreign: string[], key: string): string | undefined {
  const found = rolesIn(s, roles);
  const candidates = foreign.filter((f) => !wordRe(f).test(s) && !roles.some((r) => r.toLowerCase() === f.toLowerCase()));
  if (!found.length || !candidates.length) return undefined;
  const target = choose(found, key, 'target');
  const to = choose(candidates, key, 'to');
  return s.slice(0, target.at) + (target.role[0] === target.role[0].toUpperCase() ? capitalise(to) : to.toLowerCase()) + s.slice(target.at + target.len);
}

/** Made-up specifics of the kind a model adds: integrations, scale, places, guarantees. */
const ADDITIONS = [
  'and integrates with Salesforce',
  'for up to 50,000 users',
  'in 12 countries at launch',
  'with a native smartwatch app',
  'backed by a 30-day money-back guarantee',
  'using blockchain for every record',
  'with voice control through Alexa',
  'and is certified under ISO 27001',
];

function addition(s: string, foreignClauses: string[], key: string): string {
  if (foreignClauses.length && rand(key, 'kind') < 0.5) return `${stripEnd(s)}, and it also lets people ${lowerFirst(stripEnd(choose(foreignClauses, key, 'clause')))}.`;
  return `${stripEnd(s)} ${choose(ADDITIONS, key, 'add')}.`;
}

const ANTONYMS: [string, string][] = [
  ['before', 'after'], ['after', 'before'], ['first', 'last'], ['online', 'offline'], ['offline', 'online'], ['more', 'less'],
  ['fairly', 'unevenly'], ['quick', 'slow'], ['fast', 'slow'], ['high', 'low'], ['low', 'high'], ['public', 'private'],
  ['available', 'unavailable'], ['accurate', 'inaccurate'], ['encrypt', 'expose'], ['add', 'delete'], ['missing', 'already stocked'],
  ['builds', 'destroys'], ['stays', 'leaves'], ['denied', 'granted'], ['paid', 'free'], ['saved', 'discarded'],
];

function antonym(s: string, key: string): string | undefined {
  const hits = ANTONYMS.filter(([a]) => wordRe(a).test(s));
  if (!hits.length) return undefined;
  const [from, to] = choose(hits, key, 'ant');
  return s.replace(wordRe(from), (m) => (m[0] === m[0].toUpperCase() ? capitalise(to) : to));
}

// ---------------------------------------------------------------- generation

/** Capability-like clauses of an idea, to add to another idea as unsupported claims. */
function capabilityClauses(text: string): string[] {
  return text
    .split(/[.;]|,\s*(?:and\s+)?|\band\b/)
    .map((c) => c.trim().replace(/^(an?|the|that|which|where|to|who|for)\s+/i, ''))
    .filter((c) => /^(add|set|get|suggest|build|list|book|rate|sell|order|pay|manage|track|split|send|settle|schedule|run|assign|keep)\b/i.test(c) && c.split(/\s+/).length >= 3);
}

export function generateClaims(evidence: EvidenceDoc[], perSentence = 2): LabelledClaim[] {
  const claims: LabelledClaim[] = [];
  const allRoles = [...new Set(evidence.flatMap((e) => e.roles))];
  for (const doc of evidence) {
    const idea = doc.id.split(':')[1];
    const foreignRoles = allRoles.filter((r) => !evidence.filter((e) => e.id.endsWith(`:${idea}`)).some((e) => e.roles.includes(r)));
    const foreignClauses = evidence.filter((e) => !e.id.endsWith(`:${idea}`) && e.origin === 'idea').flatMap((e) => capabilityClauses(e.text));
    splitSentences(doc.text).forEach((s, si) => {
      const key = `${doc.id}#${si}`;
      const supported: [string, string | undefined][] = [
        ['verbatim', rand(key, 'verbatim') < 0.3 ? s : undefined],
        ['clause', clause(s)],
        ['paraphrase', paraphrase(s, key)],
      ];
      const unsupported: [string, string | undefined][] = [
        ['negation', negate(s)],
        ['negation-removed', unnegate(s)],
        ['number', changeNumber(s, key)],
        ['swap', swapRoles(s, doc.roles)],
        ['substitution', substitute(s, doc.roles, foreignRoles, key)],
        ['addition', addition(s, foreignClauses, key)],
        ['antonym', antonym(s, key)],
      ];
      const pick = (ops: [string, string | undefined][], label: Label, n: number) => {
        const ready = ops.filter(([, c]) => !!c && (label === 'supported' || c !== s)) as [string, string][];
        // A fixed, hash-ordered subset, so no operation dominates and the set stays balanced.
        const ordered = [...ready].sort((a, b) => rand(key, label, a[0]) - rand(key, label, b[0]));
        for (const [method, claim] of ordered.slice(0, n)) claims.push({ id: `${key}:${method}`, evidenceId: doc.id, claim, label, method, source: s });
      };
      pick(supported, 'supported', perSentence);
      pick(unsupported, 'unsupported', perSentence);
    });
  }
  return claims;
}

export const DATASET_METHOD =
  'Evidence: each fixture idea (test/fixtures/ideas.json: idea, target users, constraints) and the offline agents\' output for it ' +
  '(stories, risks and mitigations, NFRs with targets, persona narratives), rendered as sentences. Claims: for every evidence sentence, ' +
  'up to two supported variants (verbatim, clause, paraphrase) and two unsupported ones (negation inserted or removed, number changed, ' +
  'roles swapped, entity from another idea, unsupported addition, antonym), chosen by a hash of the sentence; labels by construction. ' +
  'Regenerate with npm run grounding:gen. Hand-written claims (hand-written.v1.json) carry their own evidence and labels.';
