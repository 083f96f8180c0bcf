/**
 * The dossier as a document a product team reads: one model, rendered to HTML and to PDF, so
 * both carry the same title page, executive summary, contents, sections and appendix. Artifact
 * content is turned into prose (markdown strings), tables (lists of records) and key/value
 * lists, never dumped as JSON.
 */
import type { Dossier } from './compile-dossier';

export type Block =
  | { kind: 'markdown'; source: string }
  | { kind: 'code'; text: string }
  | { kind: 'para'; text: string; muted?: boolean }
  | { kind: 'subheading'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'kv'; rows: [string, string][] }
  | { kind: 'table'; columns: string[]; rows: string[][]; more?: number };

export interface Section {
  id: string;
  title: string;
  /** 1: a chapter (in the contents and the PDF outline); 2: an artifact inside it. */
  level: 1 | 2;
  blocks: Block[];
}

export interface DossierDocument {
  title: string;
  subtitle: string;
  facts: [string, string][];
  sections: Section[];
}

const CATEGORY_TITLES: Record<string, string> = {
  product: 'Product', code: 'Architecture and code', security: 'Security', quality: 'Quality', deployment: 'Release and deployment',
};
/** Bounds that keep the printed document readable (the JSON export has everything). */
const MAX_ROWS = 20;
const MAX_COLUMNS = 6;
const MAX_CELL = 200;
const MAX_DEPTH = 3;

export const humanize = (key: string) => {
  const s = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim();
  const words = s.toLowerCase().replace(/\b(api|url|id|ui|ux|ci|sbom|rtm|nfr|prd|qa|gtm|p95|wcag)\b/g, (w) => w.toUpperCase());
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const cut = (s: string, n = MAX_CELL) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const isScalar = (v: unknown): v is string | number | boolean | null => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const scalarText = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v));

/** A short text for any value in a table cell. */
function cellText(v: unknown): string {
  if (isScalar(v)) return cut(scalarText(v));
  if (Array.isArray(v)) {
    if (v.every(isScalar)) return cut(v.map(scalarText).join(', '));
    return cut(v.map((x) => (x && typeof x === 'object' ? labelOf(x as Record<string, unknown>) : scalarText(x))).join('; '));
  }
  if (v && typeof v === 'object') return cut(Object.entries(v).filter(([, x]) => isScalar(x)).map(([k, x]) => `${humanize(k)}: ${scalarText(x)}`).join('; '));
  return '';
}

function labelOf(o: Record<string, unknown>): string {
  for (const k of ['title', 'name', 'text', 'id', 'step', 'screen', 'criterion', 'endpoint']) if (isScalar(o[k]) && o[k] !== null) return scalarText(o[k]);
  return cellText(o);
}

/** Columns of a list of records: the keys most rows have, scalar-ish ones first. */
function columnsOf(rows: Record<string, unknown>[]): string[] {
  const count = new Map<string, number>();
  for (const r of rows) for (const [k, v] of Object.entries(r)) count.set(k, (count.get(k) ?? 0) + (isScalar(v) || (Array.isArray(v) && v.every(isScalar)) ? 2 : 1));
  return [...count.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_COLUMNS).map(([k]) => k)
    .sort((a, b) => Object.keys(rows[0]).indexOf(a) - Object.keys(rows[0]).indexOf(b));
}

function tableOf(rows: Record<string, unknown>[]): Block {
  const columns = columnsOf(rows);
  return {
    kind: 'table', columns: columns.map(humanize),
    rows: rows.slice(0, MAX_ROWS).map((r) => columns.map((c) => cellText(r[c]))),
    ...(rows.length > MAX_ROWS ? { more: rows.length - MAX_ROWS } : {}),
  };
}

/** An OpenAPI document reads best as its operations. */
function openApiBlocks(spec: any): Block[] {
  const ops: string[][] = [];
  for (const [path, item] of Object.entries<any>(spec.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item ?? {})) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push([method.toUpperCase(), path, cut(String(op?.summary ?? op?.operationId ?? '')), Object.keys(op?.responses ?? {}).join(', ')]);
    }
  }
  const schemas = Object.keys(spec.components?.schemas ?? {});
  return [
    { kind: 'kv', rows: [['OpenAPI', scalarText(spec.openapi)], ['Title', scalarText(spec.info?.title)], ['Version', scalarText(spec.info?.version)], ['Operations', String(ops.length)]] },
    ...(spec.info?.description ? [{ kind: 'para', text: String(spec.info.description) } as Block] : []),
    { kind: 'table', columns: ['Method', 'Path', 'Summary', 'Responses'], rows: ops.slice(0, 40), ...(ops.length > 40 ? { more: ops.length - 40 } : {}) },
    ...(schemas.length ? [{ kind: 'para', text: `Schemas: ${schemas.join(', ')}.` } as Block] : []),
  ];
}

/** YAML, JSON or a script kept in a string reads as code, not as one run-on paragraph. */
function looksLikeCode(v: string): boolean {
  const lines = v.split('\n').filter((l) => l.trim());
  if (lines.length < 3 || /^#{1,6} /m.test(v)) return false;
  const codeish = lines.filter((l) => /^\s*[\w.-]+:(\s|$)|^\s+-\s|^\s*[{}[\]]|^\s{2,}\S|^\$ |;\s*$/.test(l)).length;
  return codeish / lines.length >= 0.5;
}

/** Turns any artifact value into blocks: strings are markdown, record lists tables, objects key/value lists. */
export function contentBlocks(v: unknown, depth = 0): Block[] {
  if (v === null || v === undefined) return [{ kind: 'para', text: 'None.', muted: true }];
  if (typeof v === 'string') return [looksLikeCode(v) ? { kind: 'code', text: v } : { kind: 'markdown', source: v }];
  if (isScalar(v)) return [{ kind: 'para', text: scalarText(v) }];
  if (Array.isArray(v)) {
    if (v.length === 0) return [{ kind: 'para', text: 'None.', muted: true }];
    if (v.every(isScalar)) return [{ kind: 'list', items: v.slice(0, MAX_ROWS * 2).map((x) => cut(scalarText(x), 600)) }];
    const records = v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x));
    return records.length ? [tableOf(records)] : [{ kind: 'list', items: v.map(cellText) }];
  }
  const o = v as Record<string, unknown>;
  if (typeof o.openapi === 'string' && o.paths) return openApiBlocks(o);
  const kv: [string, string][] = [];
  const nested: Block[] = [];
  for (const [k, x] of Object.entries(o)) {
    if (isScalar(x) && !(typeof x === 'string' && (x.includes('\n') || x.length > 300))) kv.push([humanize(k), scalarText(x)]);
    else if (Array.isArray(x) && x.every(isScalar)) kv.push([humanize(k), x.length ? cut(x.map(scalarText).join(', '), 600) : '—']);
    else if (depth >= MAX_DEPTH) kv.push([humanize(k), cellText(x)]);
    else nested.push({ kind: 'subheading', text: humanize(k) }, ...contentBlocks(x, depth + 1));
  }
  return [...(kv.length ? [{ kind: 'kv', rows: kv } as Block] : []), ...nested];
}

const slugId = (s: string) => s.toLowerCase().normalize('NFKD').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'section';

const money = (usd: number) => `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
const minutes = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);
const duration = (from: string | null | undefined, to: string | null | undefined) => (from && to ? minutes(Date.parse(to) - Date.parse(from)) : '—');

function artifact(d: Dossier, key: string): any {
  for (const items of Object.values(d.categories)) for (const a of items) if (a.key === key) return a.content;
  return undefined;
}

/** Facts a reader wants first, each read off an artifact or the run record. */
function executiveSummary(d: Dossier): Block[] {
  const spec = artifact(d, 'ideaSpec') ?? {};
  const stories = artifact(d, 'stories');
  const qa = artifact(d, 'qaReport');
  const findings = artifact(d, 'findings');
  const viability = artifact(d, 'viability');
  const rtm = artifact(d, 'rtm');
  const record = d.record;
  const fixes = d.phases.reduce((n, p) => n + Math.max(0, p.attempts - 1), 0);
  const open = Array.isArray(findings) ? findings.filter((f: any) => f?.status !== 'mitigated' && f?.status !== 'fixed') : [];
  const bySeverity = Array.isArray(findings) ? Object.entries(findings.reduce((acc: Record<string, number>, f: any) => ({ ...acc, [f?.severity ?? 'unknown']: (acc[f?.severity ?? 'unknown'] ?? 0) + 1 }), {})).map(([s, n]) => `${n} ${s}`).join(', ') : '';
  const items = [
    `Status: ${d.status}; dossier ${d.version}, ${d.completeness}% complete${d.missing.length ? ` (missing: ${d.missing.join(', ')})` : ''}.`,
    viability?.verdict ? `Viability: ${viability.verdict} (score ${scalarText(viability.score)}).` : '',
    Array.isArray(stories) ? `${stories.length} user stories${Array.isArray(rtm?.requirements) ? `, ${rtm.requirements.length} traced requirements` : ''}.` : '',
    qa && typeof qa === 'object' ? `QA: ${scalarText(qa.summary ?? `${qa.passed}/${qa.total} passed`)}` : '',
    Array.isArray(findings) ? `Security: ${findings.length} findings (${bySeverity}); ${open.length} open.` : '',
    `Quality gates: ${d.phases.length} phases passed${fixes ? `, ${fixes} gate attempt(s) needed an auto-fix` : ' on the first attempt'}.`,
    `Cost: ${d.usage.tokens.toLocaleString('en-US')} tokens, ${money(d.usage.usd)}; agent time ${minutes(d.usage.wallclockMs)}${record?.requestedAt ? `; run took ${duration(record.requestedAt, record.finishedAt ?? d.completedAt)}` : ''}.`,
  ].filter(Boolean);
  return [
    ...(spec.summary || spec.problem ? [{ kind: 'markdown', source: String(spec.problem ?? spec.summary) } as Block] : []),
    { kind: 'list', items },
  ];
}

function costAndTimeline(d: Dossier): Block[] {
  const record = d.record;
  const rows = d.phases.map((p) => {
    const r = record?.phases.find((x) => x.phase === p.phase);
    return [p.phase, r?.startedAt ?? p.startedAt ?? '—', duration(r?.startedAt ?? p.startedAt, r?.finishedAt ?? p.finishedAt), String(r?.tasks ?? '—'),
      r?.usage ? r.usage.tokens.toLocaleString('en-US') : '—', r?.usage ? money(r.usage.usd) : '—'];
  });
  return [
    { kind: 'kv', rows: [['Tokens', d.usage.tokens.toLocaleString('en-US')], ['Cost', money(d.usage.usd)], ['Tool minutes', String(d.usage.toolMinutes)], ['Agent wall-clock', minutes(d.usage.wallclockMs)],
      ['Requested', record?.requestedAt ?? '—'], ['Finished', record?.finishedAt ?? d.completedAt ?? '—']] },
    { kind: 'table', columns: ['Phase', 'Started', 'Took', 'Tasks', 'Tokens', 'Cost'], rows },
  ];
}

function gatesAndWaivers(d: Dossier): Block[] {
  const gates = d.record?.gates ?? [];
  const waivers = d.record?.waivers ?? [];
  const blocks: Block[] = [
    { kind: 'table', columns: ['Phase', 'Attempt', 'Score', 'Threshold', 'Verdict', 'Issues / auto-fix'],
      rows: gates.length
        ? gates.map((g) => [g.phase, String(g.attempt), scalarText(g.score), scalarText(g.passThreshold), `${g.verdict}${g.waived ? ' (waived)' : ''}`, cut([...g.issues, g.autofix ? `auto-fix: ${g.autofix}` : ''].filter(Boolean).join('; ') || '—')])
        : d.phases.map((p) => [p.phase, String(p.attempts), scalarText(p.score), '—', 'passed', '—']) },
  ];
  blocks.push(waivers.length
    ? { kind: 'table', columns: ['Phase', 'Guard', 'Event', 'Reason', 'By', 'Expires'], rows: waivers.map((w) => [w.phase, w.guard, w.event, cut(w.reason), w.by ?? '—', w.expiresAt ?? '—']) }
    : { kind: 'para', text: 'No waivers were granted: every gate passed on its own evidence.', muted: true });
  return blocks;
}

function provenance(d: Dossier): Block[] {
  return [
    { kind: 'para', text: 'Every artifact above comes from the evidence pack of the phase named beside it. Evidence packs are content-addressed (SHA-256) in the artifact store; the signature covers the canonical JSON of this dossier.' },
    { kind: 'kv', rows: [['Run', d.runId], ['Format', d.format], ['Version', d.version], ['Signature', `${d.signature.algorithm}:${d.signature.value}`], ['Producers', d.record?.producers.join(', ') || '—']] },
    { kind: 'table', columns: ['Phase', 'Gate score', 'Attempts', 'Evidence pack (SHA-256)'], rows: d.phases.map((p) => [p.phase, scalarText(p.score), String(p.attempts), p.evidencePackSha256]) },
    { kind: 'table', columns: ['Artifact', 'Phase', 'Category'], rows: Object.entries(d.categories).flatMap(([c, items]) => items.map((a) => [a.title, a.phase, CATEGORY_TITLES[c] ?? c])) },
  ];
}

export function buildDocument(d: Dossier): DossierDocument {
  const sections: Section[] = [];
  const used = new Set<string>();
  const add = (title: string, level: 1 | 2, blocks: Block[]) => {
    let id = slugId(title);
    for (let i = 2; used.has(id); i++) id = `${slugId(title)}-${i}`;
    used.add(id);
    sections.push({ id, title, level, blocks });
  };
  add('Executive summary', 1, executiveSummary(d));
  add('The idea', 1, [
    { kind: 'markdown', source: d.idea.idea },
    ...(d.idea.targetUsers.length ? [{ kind: 'subheading', text: 'Target users' } as Block, { kind: 'list', items: d.idea.targetUsers } as Block] : []),
    ...(d.idea.constraints.length ? [{ kind: 'subheading', text: 'Constraints' } as Block, { kind: 'list', items: d.idea.constraints } as Block] : []),
  ]);
  for (const [cat, items] of Object.entries(d.categories)) {
    add(CATEGORY_TITLES[cat] ?? humanize(cat), 1, items.length ? [] : [{ kind: 'para', text: 'No artifacts in this category.', muted: true }]);
    for (const a of items) add(a.title, 2, [{ kind: 'para', text: `From the ${a.phase} phase.`, muted: true }, ...contentBlocks(a.content)]);
  }
  add('Cost and timeline', 1, costAndTimeline(d));
  add('Gates and waivers', 1, gatesAndWaivers(d));
  add('Appendix: provenance', 1, provenance(d));
  return {
    title: d.title,
    subtitle: `Release dossier ${d.version}`,
    facts: [['Run', d.runId], ['Status', d.status], ['Completeness', `${d.completeness}%`], ['Completed', d.completedAt ?? '—'], ['Signature', `${d.signature.algorithm}:${d.signature.value.slice(0, 16)}…`]],
    sections,
  };
}
