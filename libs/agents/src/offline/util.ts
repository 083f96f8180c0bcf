import { createHash } from 'node:crypto';
import type { AgentContext, AgentInput } from '../sdk';
import { capitalize, slug } from './analysis';

/** Small, pure helpers shared by the offline agents: safe readers, naming and narration. */

export type Rec = Record<string, unknown>;

export const isRecord = (v: unknown): v is Rec => !!v && typeof v === 'object' && !Array.isArray(v);
export const asRecord = (v: unknown): Rec => (isRecord(v) ? v : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
export const asNumber = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
export const asStrings = (v: unknown): string[] => asArray(v).filter((x): x is string => typeof x === 'string');

/** The records of an array that carry every listed key as a non-empty string. */
export function recordsWith(v: unknown, keys: string[]): Rec[] {
  return asArray(v).filter(isRecord).filter((r) => keys.every((k) => typeof r[k] === 'string' && (r[k] as string).length > 0));
}

/** Code-point order: unlike localeCompare it does not depend on the machine's locale. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
export const sortedUniq = (xs: string[]): string[] => uniq(xs).sort();
export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
export const clamp01 = (n: number) => Math.max(0, Math.min(1, n));

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).trimEnd()}...`;
}

/** Ends a fragment with a full stop so the extractive model sees it as a sentence. */
export const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
export const kebab = (s: string) => slug(s.replace(/([a-z0-9])([A-Z])/g, '$1-$2'));
export const camel = (s: string) => lowerFirst(pascal(s));
export const pascal = (s: string) =>
  s
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => capitalize(w))
    .join('');
export const snake = (s: string) => kebab(s).replace(/-/g, '_');

export function singular(word: string): string {
  const w = word.toLowerCase();
  if (/(ss|us|is|series)$/.test(w) || w.length <= 3) return w;
  if (/ies$/.test(w)) return w.replace(/ies$/, 'y');
  if (/zzes$/.test(w)) return w.replace(/zes$/, '');
  if (/(ches|shes|xes|sses|zes)$/.test(w)) return w.replace(/es$/, '');
  if (/s$/.test(w)) return w.slice(0, -1);
  return w;
}

export function plural(word: string): string {
  if (/[aeiou]z$/i.test(word)) return `${word}zes`;
  if (/(s|x|z|ch|sh)$/i.test(word)) return `${word}es`;
  if (/[^aeiou]y$/i.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** "VideoVisit" -> "video visit" */
export const spaced = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A stable choice from a list keyed by text (used only where any choice is acceptable, e.g. a palette tint). */
export function pick<T>(items: T[], key: string): T {
  return items[parseInt(sha256(key).slice(0, 8), 16) % items.length];
}

/** A name-based UUID (same text, same id) for documents that want one, e.g. an SBOM serial number. */
export function stableUuid(text: string): string {
  const h = sha256(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const wordSet = (text: string) => new Set((text.toLowerCase().match(/[a-z][a-z0-9-]+/g) ?? []).map(singular));

/** How many words two texts share (singularised), for matching stories to requirements and the like. */
export function overlap(a: string, b: string): number {
  const bs = wordSet(b);
  return [...wordSet(a)].filter((w) => w.length > 3 && bs.has(w)).length;
}

const PHASE_ORDER = ['intake', 'ideation', 'critique', 'prd', 'bizdev', 'architecture', 'build', 'security', 'story-loop', 'qa', 'aesthetic', 'release', 'beta'];

/**
 * The newest value of a top-level artifact key: earlier tasks of this phase first (newest first),
 * then upstream packs from the latest phase back. Looking up by key rather than by phase keeps the
 * agents working when users move agents between phases.
 */
export function lookup(input: AgentInput, key: string): unknown {
  for (let i = input.previous.length - 1; i >= 0; i--) {
    const v = asRecord(input.previous[i].output)[key];
    if (v !== undefined) return v;
  }
  const known = PHASE_ORDER.filter((p) => p in input.upstream);
  const unknown = Object.keys(input.upstream).filter((p) => !PHASE_ORDER.includes(p)).sort();
  for (const phase of [...known, ...unknown].reverse()) {
    const v = asRecord(input.upstream[phase])[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * Asks the model for a short narrative built only from the given facts. The offline provider
 * returns an extractive summary; if a model returns nothing, the facts themselves stand in.
 */
export async function narrate(ctx: AgentContext, system: string, facts: string[], maxTokens = 120): Promise<string> {
  const lines = facts.filter((f) => f.trim().length > 0).map((f) => sentence(clip(f.replace(/\s+/g, ' '), 300)));
  const prompt = clip(lines.join('\n'), 2400);
  const text = (await ctx.llm.complete({ system, prompt, maxTokens })).trim();
  return text || clip(lines.slice(0, 2).join(' '), maxTokens * 4);
}

/** "export my data so that I can..." -> "export their data so that they can...", for text about users rather than by them. */
export const thirdPerson = (text: string) =>
  text.replace(/\bmy\b/g, 'their').replace(/\bI am\b/g, 'they are').replace(/\bI\b/g, 'they').replace(/\bme\b/g, 'them');

export const bullets = (items: string[]) => items.map((i) => `- ${i}`).join('\n');
