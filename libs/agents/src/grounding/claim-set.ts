import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimDataset, EvidenceDoc, LabelledClaim } from './dataset';
import { mergeDatasets } from './measure';

/** Beside this file in the source tree; from dist/, the same folder under the repository root. */
export const GROUNDING_DATA_DIR = [join(__dirname, 'data'), join(process.cwd(), 'libs', 'agents', 'src', 'grounding', 'data')].find((d) => existsSync(join(d, 'claims.v1.json'))) ?? join(__dirname, 'data');

type Part = Pick<ClaimDataset, 'evidence' | 'claims'>;

/**
 * Three parts, one set: generated claims (claims.v1.json), hand-written claims the scorer was
 * developed against (hand-written.v1.json), and hand-written claims written after the scorer was
 * frozen and never used to change it (held-out.v1.json).
 */
export function loadClaimSet(dir = GROUNDING_DATA_DIR): { evidence: EvidenceDoc[]; claims: LabelledClaim[]; generated: ClaimDataset; handWritten: Part; heldOut: Part } {
  const read = <T>(f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;
  const generated = read<ClaimDataset>('claims.v1.json');
  const handWritten = read<Part>('hand-written.v1.json');
  const heldOut = read<Part>('held-out.v1.json');
  return { ...mergeDatasets(generated, handWritten, heldOut), generated, handWritten, heldOut };
}

/** generated | hand-written | held-out */
export const subsetOf = (c: LabelledClaim) => (c.method === 'hand-written' || c.method === 'held-out' ? c.method : 'generated');
