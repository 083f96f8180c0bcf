/**
 * Tokens for the grounding scorer: words stemmed lightly (the same on both sides, so a crude
 * stem is enough), numbers normalised, negation cues kept apart. Pure and deterministic.
 */

export interface Token {
  /** Stem for content words, `#<value>` for numbers, the word itself for negation cues. */
  key: string;
  raw: string;
  kind: 'content' | 'number' | 'negation' | 'stop';
  /** Position among the sentence's tokens. */
  pos: number;
}

const STOP = new Set(
  ('a an the and or but if of at by for with about against between into through during to from in out on off over under ' +
    'again further then once here there when where why how all any both each few more most other some such own same so than too very ' +
    'can will just should now is are was were be been being have has had having do does did doing it its itself they them their theirs ' +
    'this that these those i me my we our you your he him his she her who whom which what as until while also may might must shall would could ' +
    'up down only one s t via per within across upon onto every either whether yet because')
    .split(/\s+/),
);

/** Words that flip a statement. Contractions are split before matching (doesn't -> does n't). */
const NEGATION = new Set(['not', "n't", 'no', 'never', 'without', 'none', 'nobody', 'nothing', 'neither', 'nor', 'cannot', 'lacks', 'lack', 'excluding', 'except', 'unable']);

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  fifteen: 15, twenty: 20, thirty: 30, forty: 40, fifty: 50, hundred: 100, thousand: 1000, dozen: 12, twice: 2,
};

/**
 * Paraphrases that keep the meaning; both sides map to the first form before comparing. Kept
 * small and general on purpose: a synonym list tuned to a test set would only measure itself.
 */
const SYNONYMS: string[][] = [
  ['allow', 'let', 'enable', 'permit'],
  ['user', 'people'],
  ['buy', 'purchase'],
  ['send', 'deliver', 'dispatch'],
  ['get', 'receive', 'obtain'],
  ['make', 'create', 'build'],
  ['show', 'display'],
  ['pick', 'choose', 'select'],
  ['start', 'begin'],
  ['end', 'finish'],
  ['big', 'large'],
  ['small', 'little'],
  ['quick', 'fast', 'rapid'],
  ['help', 'assist'],
  ['need', 'require'],
  ['book', 'reserve'],
  ['record', 'log'],
  ['message', 'chat'],
  ['rate', 'review'],
  ['online', 'web'],
  ['app', 'application'],
  ['also', 'additionally'],
  ['store', 'keep', 'save'],
  ['track', 'monitor'],
  ['list', 'catalog', 'catalogue'],
  ['remind', 'reminder', 'notify', 'notification', 'alert'],
  ['doctor', 'physician'],
  ['neighbour', 'neighbor'],
  ['month', 'monthly'],
  ['week', 'weekly'],
  ['day', 'daily'],
];

/** Pairs whose swap flips meaning (checked where the rest of the claim matches). */
export const ANTONYMS: [string, string][] = [
  ['before', 'after'],
  ['increase', 'decrease'],
  ['more', 'less'],
  ['more', 'fewer'],
  ['higher', 'lower'],
  ['high', 'low'],
  ['always', 'never'],
  ['allow', 'forbid'],
  ['allow', 'block'],
  ['accept', 'reject'],
  ['include', 'exclude'],
  ['required', 'optional'],
  ['mandatory', 'optional'],
  ['public', 'private'],
  ['encrypt', 'decrypt'],
  ['first', 'last'],
  ['open', 'close'],
  ['online', 'offline'],
  ['paid', 'free'],
  ['start', 'stop'],
  ['add', 'remove'],
  ['buyer', 'seller'],
  ['minimum', 'maximum'],
  ['inside', 'outside'],
  ['early', 'late'],
  ['fast', 'slow'],
  ['quick', 'slow'],
];

/** Irregular forms a suffix rule cannot undo (English, not tuned to any text). */
const IRREGULAR: Record<string, string> = {
  kept: 'keep', sent: 'send', got: 'get', gotten: 'get', made: 'make', paid: 'pay', built: 'build', sold: 'sell', bought: 'buy',
  taken: 'take', took: 'take', given: 'give', gave: 'give', written: 'write', wrote: 'write', ran: 'run', held: 'hold', met: 'meet',
  found: 'find', chosen: 'choose', chose: 'choose', shown: 'show', seen: 'see', saw: 'see', left: 'leave', lost: 'lose', spent: 'spend',
  children: 'child', people: 'people', women: 'woman', men: 'man', data: 'data', criteria: 'criterion',
};

/** Light suffix stripping; the same function runs on claim and evidence, so consistency is what matters. */
export function stem(word: string): string {
  let w = word.toLowerCase();
  if (IRREGULAR[w]) return IRREGULAR[w];
  if (w.length <= 3) return w;
  if (w.endsWith("'s")) w = w.slice(0, -2);
  if (/ies$/.test(w) && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/sses$/.test(w)) return w.slice(0, -2);
  if (/(ches|shes|xes|zes)$/.test(w)) w = w.slice(0, -2);
  else if (/[^su]s$/.test(w) && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (/ing$/.test(w) && w.length > 5) {
    w = w.slice(0, -3);
    if (/(.)\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
    return w.replace(/e$/, '');
  }
  if (/ied$/.test(w) && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/ed$/.test(w) && w.length > 4) {
    w = w.slice(0, -2);
    if (/(.)\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
    return w.replace(/e$/, '');
  }
  if (/ly$/.test(w) && w.length > 5) w = w.slice(0, -2);
  return w.replace(/e$/, '');
}

const SYNONYM_OF = new Map<string, string>();
for (const group of SYNONYMS) for (const w of group) SYNONYM_OF.set(stem(w), stem(group[0]));

export const canonical = (s: string) => SYNONYM_OF.get(s) ?? s;

const ANTONYM_OF = new Map<string, Set<string>>();
for (const [a, b] of ANTONYMS) {
  const [x, y] = [canonical(stem(a)), canonical(stem(b))];
  (ANTONYM_OF.get(x) ?? ANTONYM_OF.set(x, new Set()).get(x)!).add(y);
  (ANTONYM_OF.get(y) ?? ANTONYM_OF.set(y, new Set()).get(y)!).add(x);
}
export const antonymsOf = (key: string): Set<string> => ANTONYM_OF.get(key) ?? new Set();

function numberValue(raw: string): number | undefined {
  const cleaned = raw.replace(/[$€£,%]/g, '').replace(/^[~≈]/, '');
  if (/^\d+(\.\d+)?(k|m)?$/i.test(cleaned)) {
    const n = parseFloat(cleaned);
    return /k$/i.test(cleaned) ? n * 1000 : /m$/i.test(cleaned) ? n * 1e6 : n;
  }
  return NUMBER_WORDS[raw.toLowerCase()];
}

/** Tokens of one sentence, in order. */
export function tokenize(text: string): Token[] {
  const spaced = text
    .replace(/[’‘]/g, "'")
    .replace(/(\w)n't\b/gi, "$1 n't")
    .replace(/\bcan't\b/gi, "can n't")
    .replace(/\bwon't\b/gi, "will n't");
  // Commas and semicolons are kept as tokens: they tell a list ("a, b and c") from a clause.
  const raw = spaced.match(/n't|[$€£]?\d[\d,]*(?:\.\d+)?%?[kKmM]?\b|[A-Za-z][A-Za-z0-9'-]*|[,;]/g) ?? [];
  const out: Token[] = [];
  for (const r of raw) {
    // Hyphenated words count as their parts ("tool-sharing" = tool + sharing), as a paraphrase would split them.
    const parts = /^[A-Za-z]/.test(r) && r.includes('-') ? r.split('-').filter(Boolean) : [r];
    for (const p of parts) {
      const lower = p.toLowerCase();
      const pos = out.length;
      const n = numberValue(p);
      if (p === ',' || p === ';') out.push({ key: ',', raw: p, kind: 'stop', pos });
      else if (n !== undefined) out.push({ key: `#${n}`, raw: p, kind: 'number', pos });
      else if (NEGATION.has(lower)) out.push({ key: lower === "n't" || lower === 'cannot' ? 'not' : lower, raw: p, kind: 'negation', pos });
      else if (STOP.has(lower)) out.push({ key: lower, raw: p, kind: 'stop', pos });
      else out.push({ key: canonical(stem(lower)), raw: p, kind: 'content', pos });
    }
  }
  return out;
}

/** Sentences of an evidence text: sentence ends, line breaks and list bullets all split. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"'(])|\n+/)
    .map((s) => s.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, '').trim())
    .filter((s) => tokenize(s).some((t) => t.kind === 'content'));
}
