import type { IdeaInput } from '@ideamine/contracts';
import { words } from '../llm/offline-provider';

/**
 * Rule-based reading of an idea, shared by the offline agents. Everything here is derived from the
 * idea text, target users and constraints: different ideas give different analyses.
 */
export interface IdeaAnalysis {
  title: string;
  summary: string;
  keywords: string[];
  domain: string;
  personas: string[];
  capabilities: { id: string; name: string; description: string }[];
  entities: string[];
  constraints: string[];
  compliance: string[];
  dataSensitivity: 'low' | 'medium' | 'high';
}

const DOMAINS: [string, string[]][] = [
  ['healthcare', ['patient', 'patients', 'clinic', 'clinical', 'health', 'medical', 'doctor', 'doctors', 'hospital', 'hipaa', 'ehr', 'prescription', 'nurse', 'telehealth', 'care']],
  ['finance', ['payment', 'payments', 'bank', 'banking', 'invoice', 'invoices', 'money', 'loan', 'trading', 'wallet', 'accounting', 'expense', 'expenses', 'tax']],
  ['education', ['student', 'students', 'teacher', 'teachers', 'course', 'courses', 'school', 'learning', 'lesson', 'quiz', 'tutor']],
  ['commerce', ['shop', 'store', 'cart', 'checkout', 'order', 'orders', 'product', 'products', 'inventory', 'marketplace', 'seller', 'buyers']],
  ['logistics', ['delivery', 'shipment', 'fleet', 'route', 'routes', 'warehouse', 'driver', 'drivers', 'tracking']],
  ['social', ['friends', 'community', 'share', 'sharing', 'chat', 'messages', 'followers', 'feed', 'neighbors', 'neighbours']],
  ['productivity', ['todo', 'task', 'tasks', 'reminder', 'reminders', 'calendar', 'notes', 'habit', 'habits', 'schedule', 'project', 'projects']],
];

const ACTIONS = /\b(let|lets|allow|allows|enable|enables|help|helps|track|tracks|manage|manages|book|books|share|shares|find|finds|send|sends|schedule|schedules|pay|pays|create|creates|record|records|monitor|monitors|compare|compares|sync|syncs|notify|notifies|report|reports|search|searches|plan|plans|order|orders|learn|learns)\b/i;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'item';

export function topKeywords(text: string, n: number): string[] {
  const freq = new Map<string, number>();
  const first = new Map<string, number>();
  words(text).forEach((w, i) => {
    freq.set(w, (freq.get(w) ?? 0) + 1);
    if (!first.has(w)) first.set(w, i);
  });
  return [...freq.entries()].sort((a, b) => b[1] - a[1] || first.get(a[0])! - first.get(b[0])!).slice(0, n).map(([w]) => w);
}

export function detectDomain(text: string): string {
  const ws = new Set(words(text));
  let best = ['general', 0] as [string, number];
  for (const [domain, vocab] of DOMAINS) {
    const hits = vocab.filter((v) => ws.has(v)).length;
    if (hits > best[1]) best = [domain, hits];
  }
  return best[0];
}

/** Clauses that describe something a user can do become capabilities; keywords fill up to five. */
export function extractCapabilities(idea: string, keywords: string[]): IdeaAnalysis['capabilities'] {
  const clauses = idea.split(/[.;!?\n]|,\s*(?:and\s+)?|\band\b|\bwith\b|\bso that\b/i).map((c) => c.trim()).filter((c) => c.length > 6);
  const found = clauses.filter((c) => ACTIONS.test(c)).map((c) => c.replace(/^(an?|the|that|which|to)\s+/i, ''));
  const names = new Set<string>();
  const caps: IdeaAnalysis['capabilities'] = [];
  for (const c of found) {
    const name = capitalize(c.split(/\s+/).slice(0, 6).join(' '));
    if (names.has(name.toLowerCase())) continue;
    names.add(name.toLowerCase());
    caps.push({ id: `CAP-${caps.length + 1}`, name, description: capitalize(c) });
  }
  for (const k of keywords) {
    if (caps.length >= 5) break;
    const name = `Manage ${k}`;
    if ([...names].some((n) => n.includes(k))) continue;
    names.add(name.toLowerCase());
    caps.push({ id: `CAP-${caps.length + 1}`, name, description: `Create, view, update and remove ${k} records` });
  }
  return caps.slice(0, 12);
}

export function complianceFor(domain: string, text: string): string[] {
  const t = text.toLowerCase();
  const out = new Set<string>(['WCAG 2.2 AA']);
  if (domain === 'healthcare' || /\bhipaa\b|\bphi\b/.test(t)) out.add('HIPAA');
  // Card data rules apply when the product takes payments, not merely because it is about money,
  // and not when a constraint rules payments out.
  const takesPayments = /\b(pays?|payments?|card|checkout|billing|pci)\b/.test(t) && !/\bno (payments?|paid plans?|billing)\b/.test(t);
  if (takesPayments) out.add('PCI-DSS');
  if (/\beu\b|europe|gdpr|personal data|privacy/.test(t)) out.add('GDPR');
  if (/\bchild|\bkids?\b|coppa|minors?\b/.test(t)) out.add('COPPA');
  if (/\bsoc ?2\b|enterprise|audit/.test(t)) out.add('SOC 2');
  return [...out].sort();
}

export function analyzeIdea(input: IdeaInput): IdeaAnalysis {
  const text = [input.idea, ...input.targetUsers, ...input.constraints].join('. ');
  const keywords = topKeywords(input.idea, 8);
  const domain = detectDomain(text);
  const compliance = complianceFor(domain, text);
  const firstSentence = input.idea.split(/(?<=[.!?])\s/)[0].trim();
  const title = capitalize(keywords.slice(0, 3).join(' ')) || 'Untitled idea';
  const personas = input.targetUsers.length ? input.targetUsers.map((u) => u.trim()).filter(Boolean) : [`${capitalize(domain === 'general' ? keywords[0] ?? 'product' : domain)} user`, 'Administrator'];
  const sensitive = compliance.some((c) => ['HIPAA', 'PCI-DSS', 'GDPR', 'COPPA'].includes(c));
  return {
    title,
    summary: firstSentence.length > 240 ? `${firstSentence.slice(0, 237)}...` : firstSentence,
    keywords,
    domain,
    personas,
    capabilities: extractCapabilities(input.idea, keywords),
    entities: keywords.filter((k) => !/^(app|application|platform|system|tool|service|users?|people)$/.test(k)).slice(0, 6),
    constraints: input.constraints,
    compliance,
    dataSensitivity: sensitive ? 'high' : domain === 'social' || domain === 'commerce' ? 'medium' : 'low',
  };
}

export { slug, capitalize };
