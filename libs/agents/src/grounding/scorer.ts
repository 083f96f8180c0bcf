import { antonymsOf, canonical, sentences, stem, Token, tokenize } from './text';

/**
 * The grounding guard's scorer: does the evidence support a claim? Pure and deterministic (no
 * model, no network), so the gatekeeper can run it on every evidence pack and a replay scores the
 * same. It looks for the evidence sentence (or pair of adjacent sentences) that covers most of
 * the claim's content words and then checks what a bag of words cannot see:
 *
 * - coverage: the share of the claim's specific words found there (generic framing words such as
 *   "app" or "allows" are not required);
 * - numbers: every number in the claim must appear, attached to the same word;
 * - negation: a negated statement must be negated in the evidence too, and vice versa;
 * - antonyms: "before" where the evidence says "after";
 * - roles: two words exchanged ("patients prescribe to doctors") — the claim's word order maps
 *   onto the evidence's only after swapping them back. Reordering a list is not a swap.
 */

export interface GroundingOptions {
  /**
   * Share of the claim's specific words the evidence must contain (default 1: all of them). A word
   * the evidence does not have is an assertion the evidence does not make, however long the claim;
   * lowering this lets single substituted words through.
   */
  minCoverage?: number;
}

export interface ClaimVerdict {
  claim: string;
  supported: boolean;
  /** Coverage of the claim by the best evidence unit, 0..1 (0 when a hard check failed). */
  score: number;
  /** Why the claim is not supported (empty when it is). */
  reasons: string[];
  /** The evidence sentence(s) the claim was compared with. */
  evidence?: string;
}

export interface GroundingReport {
  verdicts: ClaimVerdict[];
  supported: number;
  unsupported: number;
  /** Supported claims / all claims (1 when there are none). */
  share: number;
}

export const DEFAULT_MIN_COVERAGE = 1;

/**
 * Framing words a paraphrase adds freely — the product talked about in general terms, and
 * attributions ("according to the description") — whose absence from the evidence proves nothing.
 */
const GENERIC = new Set(
  ('app application platform system service product solution feature user allow help provide support use offer ability able way ' +
    'easy simple various different new thing lets them their say says stated state according evidence description described mention note document')
    .split(/\s+/)
    .map((w) => canonical(stem(w))),
);

interface Unit {
  text: string;
  tokens: Token[];
  keys: Set<string>;
  /** Each sentence's tokens (a unit of two adjacent sentences has two). */
  parts: Token[][];
}

const isKey = (t: Token) => t.kind === 'content' || t.kind === 'number';

// Evidence is usually scored against many claims in a row; its units are kept for the last few texts.
const unitCache = new Map<string, Unit[]>();

function unitsOf(evidence: string | string[]): Unit[] {
  const cacheKey = Array.isArray(evidence) ? evidence.join('\n\u0000') : evidence;
  const cached = unitCache.get(cacheKey);
  if (cached) return cached;
  const units = buildUnits(evidence);
  if (unitCache.size >= 32) unitCache.delete(unitCache.keys().next().value!);
  unitCache.set(cacheKey, units);
  return units;
}

function buildUnits(evidence: string | string[]): Unit[] {
  const ss = (Array.isArray(evidence) ? evidence : [evidence]).flatMap(sentences);
  const toks = ss.map(tokenize);
  const units: Unit[] = [];
  const make = (idx: number[]): Unit => {
    const parts = idx.map((i) => toks[i]);
    let pos = 0;
    const tokens = parts.flatMap((p) => p.map((t) => ({ ...t, pos: pos++ })));
    return { text: idx.map((i) => ss[i]).join(' '), tokens, keys: new Set(tokens.filter(isKey).map((t) => t.key)), parts };
  };
  for (let i = 0; i < ss.length; i++) units.push(make([i]));
  for (let i = 0; i + 1 < ss.length; i++) units.push(make([i, i + 1]));
  return units;
}

/**
 * The word a negation cue applies to: the first specific word after it ("cannot *edit* them",
 * "no *payments*"). Only that word: a wider scope would count the object of a negated verb as
 * negated too, and "patients cannot edit prescriptions" would contradict "patients see
 * prescriptions but cannot edit them".
 */
function negatedKeys(tokens: Token[]): Set<string> {
  const out = new Set<string>();
  tokens.forEach((t, i) => {
    if (t.kind !== 'negation') return;
    for (let j = i + 1; j < tokens.length; j++) {
      if (tokens[j].kind === 'negation' || tokens[j].key === ',') break;
      if (isKey(tokens[j]) && !GENERIC.has(tokens[j].key)) {
        out.add(tokens[j].key);
        break;
      }
    }
  });
  return out;
}

/** The first content word after each number (its unit: "3 clinics"), within two tokens. */
function numberBindings(tokens: Token[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  tokens.forEach((t, i) => {
    if (t.kind !== 'number') return;
    const next = tokens.slice(i + 1, i + 3).find((x) => x.kind === 'content');
    const set = out.get(t.key) ?? new Set<string>();
    if (next) set.add(next.key);
    out.set(t.key, set);
  });
  return out;
}

/** "inaccurate" -> "accurate", "unavailable" -> "available": the word a negating prefix was put on. */
function unprefixed(key: string): string[] {
  const m = /^(un|in|im|il|ir|non|dis)(.{4,})$/.exec(key);
  return m ? [m[2], canonical(stem(m[2]))] : [];
}

function inversions(p: number[]): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) for (let j = i + 1; j < p.length; j++) if (p[i] > p[j]) n++;
  return n;
}

const COORD = new Set(['and', 'or']);
const DETERMINERS = new Set(['the', 'a', 'an', 'each', 'every', 'their', 'its', 'our', 'your', 'my', 'his', 'her', 'all', 'any', 'some']);

/** Two stems of one word: one a prefix of the other, the shorter at least five letters. */
function related(a: string, b: string): boolean {
  const [s, l] = a.length <= b.length ? [a, b] : [b, a];
  return s.length >= 5 && l.startsWith(s);
}

/**
 * Who does it: the claim's first two specific words are usually its subject and verb. When the
 * evidence has that verb right after another word ("*staff* mark each order") and never after the
 * claim's subject, the claim gives the action to someone else ("customers mark each order").
 */
function actorMismatch(claim: Token[], unit: Unit): string | undefined {
  const words = claim.filter((t) => t.kind === 'content' && !GENERIC.has(t.key)).slice(0, 3);
  const before = (i: number) => {
    let j = i - 1;
    while (j >= 0 && unit.tokens[j].kind === 'stop' && DETERMINERS.has(unit.tokens[j].key)) j--;
    return j >= 0 ? unit.tokens[j] : undefined;
  };
  // Walk the leading noun phrase ("garage operators") while the evidence has it word for word;
  // the first pair it does not have is subject and verb.
  for (let i = 0; i + 1 < words.length; i++) {
    const [subject, verb] = [words[i], words[i + 1]];
    if (claim.indexOf(verb) !== claim.indexOf(subject) + 1) return undefined;
    const actors = unit.tokens.filter((t) => t.key === verb.key).map((t) => before(t.pos));
    if (!actors.length) return undefined;
    if (actors.some((a) => a?.key === subject.key)) continue;
    const other = actors.find((a) => a?.kind === 'content' && !GENERIC.has(a.key));
    return other ? `the evidence has ${other.raw} ${verb.raw}, not ${subject.raw} ${verb.raw}` : undefined;
  }
  return undefined;
}

/**
 * Two claim words whose exchange restores the evidence's order, when nothing else does: a swap
 * of roles. Returns the pair, or undefined. Exchanges inside a coordinated list ("a, b and c")
 * keep the meaning and are ignored.
 */
function swappedPair(claim: Token[], unit: Unit): [string, string] | undefined {
  const aligned: { key: string; at: number }[] = [];
  let last = -1;
  for (const t of claim.filter((x) => x.kind === 'content')) {
    const hits = unit.tokens.filter((u) => u.key === t.key && u.kind === 'content').map((u) => u.pos);
    if (!hits.length || aligned.some((a) => a.key === t.key)) continue;
    const at = hits.find((h) => h > last) ?? hits[0];
    aligned.push({ key: t.key, at });
    last = at;
  }
  const p = aligned.map((a) => a.at);
  // Exchanging the two ends of a span of n aligned words inverts 2n - 3 pairs: four or more means
  // at least two words between them (a verb and its object), as in a subject/object swap. A
  // single word in between is as often a relative clause ("the quizzes they create").
  const before = inversions(p);
  if (before < 4) return undefined;
  for (let i = 0; i < p.length; i++) {
    for (let j = i + 1; j < p.length; j++) {
      const q = [...p];
      [q[i], q[j]] = [q[j], q[i]];
      if (inversions(q) !== 0) continue;
      const [lo, hi] = [Math.min(p[i], p[j]), Math.max(p[i], p[j])];
      const between = unit.tokens.filter((u) => u.pos > lo && u.pos < hi);
      // Members of one list are separated from their neighbours by a comma or a conjunction on both sides.
      const sep = (u: Token | undefined) => !!u && (u.key === ',' || (u.kind === 'stop' && COORD.has(u.key)));
      const isList = between.length > 0 && sep(between[0]) && sep(between[between.length - 1]);
      if (!isList) return [aligned[i].key, aligned[j].key];
    }
  }
  return undefined;
}

export function groundClaim(claim: string, evidence: string | string[], opts: GroundingOptions = {}): ClaimVerdict {
  const minCoverage = opts.minCoverage ?? DEFAULT_MIN_COVERAGE;
  const ct = tokenize(claim);
  const keys = [...new Set(ct.filter(isKey).map((t) => t.key))];
  if (!keys.length) return { claim, supported: false, score: 0, reasons: ['the claim has no content words to check'] };
  const units = unitsOf(evidence);
  if (!units.length) return { claim, supported: false, score: 0, reasons: ['there is no evidence text'] };
  const need = keys.filter((k) => !GENERIC.has(k));
  const required = need.length ? need : keys;
  const cover = (u: Unit) => required.filter((k) => u.keys.has(k)).length / required.length;

  // Two adjacent sentences stand together only when each brings words of the claim the other
  // lacks (at least two): otherwise a word borrowed from the next sentence would cover a claim
  // that changed this one ("expose" taken from "... exposes the product to fines").
  const combines = (u: Unit) => {
    if (u.parts.length < 2) return true;
    const [a, b] = u.parts.map((p) => new Set(p.map((t) => t.key)));
    return required.filter((k) => a.has(k) && !b.has(k)).length >= 2 && required.filter((k) => b.has(k) && !a.has(k)).length >= 2;
  };
  let best = units[0];
  let bestCover = -1;
  for (const u of units.filter(combines)) {
    const c = cover(u);
    // Ties go to the single sentence (units are listed singles first).
    if (c > bestCover + 1e-9) {
      best = u;
      bestCover = c;
    }
  }

  const reasons: string[] = [];
  const allKeys = new Set(units.flatMap((u) => [...u.keys]));
  // A word is accounted for when the unit has it, or a longer or shorter form of it ("transfer" / "transferable").
  const inUnit = (k: string) => best.keys.has(k) || (!k.startsWith('#') && [...best.keys].some((b) => !b.startsWith('#') && related(k, b)));
  const unexplained = required.filter((k) => !inUnit(k));
  // One word the evidence uses elsewhere may name the same thing ("book club members" where this
  // sentence says "readers"); a second is more than a paraphrase.
  // Only where the claim names its topic (its first three specific words): a predicate word
  // taken from another sentence ("expose" from "... exposes the product") changes what is said.
  const topic = new Set(ct.filter((t) => t.kind === 'content' && !GENERIC.has(t.key)).slice(0, 3).map((t) => t.key));
  const fromContext = unexplained.filter((k) => !k.startsWith('#') && allKeys.has(k) && topic.has(k));
  const missing = fromContext.length === 1 && unexplained.length === 1 ? [] : unexplained;
  const coverage = (required.length - missing.length) / required.length;
  const missingNumbers = missing.filter((k) => k.startsWith('#'));
  if (missingNumbers.length) reasons.push(`number(s) not in the evidence: ${missingNumbers.map((k) => k.slice(1)).join(', ')}`);

  const cb = numberBindings(ct);
  const ub = numberBindings(best.tokens);
  for (const [n, words] of cb) {
    const there = ub.get(n);
    if (!there || !words.size || !there.size) continue;
    if (![...words].some((w) => there.has(w))) reasons.push(`${n.slice(1)} is said of ${[...words].join('/')}, the evidence says it of ${[...there].join('/')}`);
  }

  const antonym = unexplained.flatMap((k) => [...antonymsOf(k), ...unprefixed(k)].filter((a) => best.keys.has(a)).map((a) => `${k} where the evidence says ${a}`));
  if (antonym.length) reasons.push(`opposite meaning: ${antonym.join('; ')}`);

  // Negation is compared sentence by sentence, against the sentence that shares most with the claim.
  const part = best.parts
    .map((p) => ({ p, n: keys.filter((k) => p.some((t) => t.key === k)).length }))
    .sort((a, b) => b.n - a.n)[0].p;
  const claimNeg = negatedKeys(ct);
  const partNeg = negatedKeys(part);
  const partKeys = new Set(part.filter(isKey).map((t) => t.key));
  const negatedInClaimOnly = [...claimNeg].filter((k) => partKeys.has(k) && !partNeg.has(k));
  const negatedInEvidenceOnly = [...partNeg].filter((k) => keys.includes(k) && !claimNeg.has(k));
  if (negatedInClaimOnly.length) reasons.push(`the claim negates what the evidence affirms: ${negatedInClaimOnly.join(', ')}`);
  if (negatedInEvidenceOnly.length) reasons.push(`the evidence negates what the claim affirms: ${negatedInEvidenceOnly.join(', ')}`);

  const swap = swappedPair(ct, best);
  if (swap) reasons.push(`roles swapped: ${swap[0]} and ${swap[1]} are the other way round in the evidence`);

  const actor = actorMismatch(ct, best);
  if (actor) reasons.push(actor);

  if (coverage < minCoverage) reasons.push(`not in the evidence: ${missing.filter((k) => !k.startsWith('#')).join(', ')} (coverage ${coverage.toFixed(2)} < ${minCoverage})`);

  const supported = reasons.length === 0;
  return { claim, supported, score: supported ? coverage : 0, reasons, evidence: best.text };
}

export function groundClaims(claims: string[], evidence: string | string[], opts: GroundingOptions = {}): GroundingReport {
  const verdicts = claims.map((c) => groundClaim(c, evidence, opts));
  const supported = verdicts.filter((v) => v.supported).length;
  return { verdicts, supported, unsupported: verdicts.length - supported, share: verdicts.length ? supported / verdicts.length : 1 };
}
