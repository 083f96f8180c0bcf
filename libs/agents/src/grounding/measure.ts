import { ClaimDataset, EvidenceDoc, LabelledClaim } from './dataset';
import { ClaimVerdict, groundClaim, GroundingOptions } from './scorer';

/**
 * Precision and recall of the grounding scorer on a labelled claim set. The positive class is
 * "unsupported" — what the guard exists to catch:
 *   recall (catch rate) = unsupported claims flagged / unsupported claims,
 *   precision           = unsupported claims flagged / claims flagged,
 *   false-positive rate = supported claims flagged / supported claims.
 */

export interface Confusion {
  /** unsupported and flagged */
  tp: number;
  /** supported but flagged */
  fp: number;
  /** supported and passed */
  tn: number;
  /** unsupported but passed */
  fn: number;
}

export interface Measurement extends Confusion {
  claims: number;
  recall: number;
  precision: number;
  falsePositiveRate: number;
}

export interface ScoredClaim extends LabelledClaim {
  verdict: ClaimVerdict;
}

const rates = (c: Confusion): Measurement => ({
  ...c,
  claims: c.tp + c.fp + c.tn + c.fn,
  recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 1,
  precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : 1,
  falsePositiveRate: c.fp + c.tn ? c.fp / (c.fp + c.tn) : 0,
});

export function scoreDataset(evidence: EvidenceDoc[], claims: LabelledClaim[], opts: GroundingOptions = {}): ScoredClaim[] {
  const byId = new Map(evidence.map((e) => [e.id, e]));
  return claims.map((c) => {
    const doc = byId.get(c.evidenceId);
    if (!doc) throw new Error(`claim ${c.id} names evidence "${c.evidenceId}", which the dataset does not have`);
    return { ...c, verdict: groundClaim(c.claim, doc.text, opts) };
  });
}

export function measure(scored: ScoredClaim[]): Measurement {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const s of scored) {
    const flagged = !s.verdict.supported;
    if (s.label === 'unsupported') c[flagged ? 'tp' : 'fn']++;
    else c[flagged ? 'fp' : 'tn']++;
  }
  return rates(c);
}

/** The same figures per construction method (and per subset: generated / hand-written). */
export function measureBy(scored: ScoredClaim[], key: (s: ScoredClaim) => string): Record<string, Measurement> {
  const groups = new Map<string, ScoredClaim[]>();
  for (const s of scored) groups.set(key(s), [...(groups.get(key(s)) ?? []), s]);
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, measure(groups.get(k)!)]));
}

export function mergeDatasets(...sets: Pick<ClaimDataset, 'evidence' | 'claims'>[]): Pick<ClaimDataset, 'evidence' | 'claims'> {
  const evidence = sets.flatMap((s) => s.evidence);
  const ids = new Set<string>();
  for (const e of evidence) {
    if (ids.has(e.id)) throw new Error(`evidence id ${e.id} appears twice`);
    ids.add(e.id);
  }
  return { evidence, claims: sets.flatMap((s) => s.claims) };
}
