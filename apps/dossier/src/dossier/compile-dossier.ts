import { createHash, createHmac } from 'node:crypto';
import { canonicalJson, IdeaInput, Usage } from '@ideamine/contracts';
import { Category, DOSSIER_ARTIFACTS } from './catalog';
import type { RunRecord } from './run-record';

export interface PhaseOutcome {
  phase: string;
  score: number;
  attempts: number;
  evidencePackSha256: string;
  merged: Record<string, unknown>;
  startedAt?: string;
  finishedAt?: string;
}

export interface DossierInput {
  runId: string;
  idea: IdeaInput;
  status: string;
  completedAt: string | null;
  phaseOrder: string[];
  phases: PhaseOutcome[];
  usage: Usage;
  /** Gates, waivers, per-phase spend and the timeline, for the document's record sections. */
  record?: RunRecord;
}

export interface DossierArtifact {
  key: string;
  title: string;
  phase: string;
  content: unknown;
}

export interface Dossier {
  format: 'ideamine.dossier/v1';
  runId: string;
  title: string;
  version: string;
  status: string;
  completedAt: string | null;
  idea: IdeaInput;
  completeness: number;
  missing: string[];
  phases: Omit<PhaseOutcome, 'merged'>[];
  categories: Record<Category, DossierArtifact[]>;
  usage: Usage;
  record?: RunRecord;
  signature: { algorithm: 'sha256' | 'hmac-sha256'; value: string };
}

/**
 * semver from the run: 1.0.0 once every required artifact is there and every gate passed on its
 * first attempt; a gate that needed fixing bumps the patch; an incomplete dossier is a 0.x preview.
 */
export function deriveVersion(completeness: number, phases: PhaseOutcome[]): string {
  if (completeness < 100) return `0.${Math.floor(completeness / 10)}.0`;
  const fixes = phases.reduce((a, p) => a + Math.max(0, p.attempts - 1), 0);
  return `1.0.${fixes}`;
}

export function signDossier(body: unknown, key?: string): Dossier['signature'] {
  const text = canonicalJson(body);
  return key
    ? { algorithm: 'hmac-sha256', value: createHmac('sha256', key).update(text).digest('hex') }
    : { algorithm: 'sha256', value: createHash('sha256').update(text).digest('hex') };
}

/** Pure: the same run always compiles to the same dossier (and signature). */
export function compileDossier(input: DossierInput, signingKey?: string): Dossier {
  const categories: Record<Category, DossierArtifact[]> = { product: [], code: [], security: [], quality: [], deployment: [] };
  const ordered = [...input.phases].sort((a, b) => input.phaseOrder.indexOf(a.phase) - input.phaseOrder.indexOf(b.phase));
  const missing: string[] = [];
  let required = 0;
  let found = 0;
  for (const spec of DOSSIER_ARTIFACTS) {
    const source = ordered.find((p) => p.merged[spec.key] !== undefined && p.merged[spec.key] !== null);
    if (spec.required) required++;
    if (!source) {
      if (spec.required) missing.push(spec.title);
      continue;
    }
    if (spec.required) found++;
    categories[spec.category].push({ key: spec.key, title: spec.title, phase: source.phase, content: source.merged[spec.key] });
  }
  const completeness = required ? Math.round((found / required) * 1000) / 10 : 100;
  const ideaSpec = ordered.find((p) => p.merged.ideaSpec)?.merged.ideaSpec as { title?: string } | undefined;
  const body = {
    format: 'ideamine.dossier/v1' as const,
    runId: input.runId,
    title: ideaSpec?.title ?? input.idea.idea.slice(0, 80),
    version: deriveVersion(completeness, ordered),
    status: input.status,
    completedAt: input.completedAt,
    idea: input.idea,
    completeness,
    missing,
    phases: ordered.map(({ merged: _m, ...rest }) => rest),
    categories,
    usage: input.usage,
    ...(input.record ? { record: input.record } : {}),
  };
  return { ...body, signature: signDossier(body, signingKey) };
}
