/**
 * Precision and recall of the grounding scorer on the labelled claims (generated + hand-written),
 * per subset and per construction method; misclassified claims with the scorer's reasons.
 * The last line is one JSON summary. Run: npm run grounding:report [-- --errors]
 */
import { loadClaimSet, subsetOf } from '../libs/agents/src/grounding/claim-set';
import { measure, measureBy, scoreDataset } from '../libs/agents/src/grounding/measure';

const { evidence, claims } = loadClaimSet();
const scored = scoreDataset(evidence, claims);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const line = (name: string, m: ReturnType<typeof measure>) =>
  `${name.padEnd(28)} n=${String(m.claims).padStart(4)}  recall ${pct(m.recall).padStart(6)}  precision ${pct(m.precision).padStart(6)}  false positives ${pct(m.falsePositiveRate).padStart(6)}  (tp ${m.tp} fp ${m.fp} tn ${m.tn} fn ${m.fn})`;

const all = measure(scored);
console.log(line('all', all));
const subsets = measureBy(scored, subsetOf);
for (const [k, m] of Object.entries(subsets)) console.log(line(k, m));
console.log('by method:');
for (const [k, m] of Object.entries(measureBy(scored, (s) => `${s.label}/${s.method}`))) console.log(line(`  ${k}`, m));
console.log('operating points (minCoverage):');
for (const minCoverage of [1, 0.9, 0.85, 0.8, 0.75]) {
  const at = scoreDataset(evidence, claims, { minCoverage });
  console.log(line(`  ${minCoverage} all`, measure(at)));
  for (const [k, m] of Object.entries(measureBy(at, subsetOf))) console.log(line(`  ${minCoverage} ${k}`, m));
}
if (process.argv.includes('--errors')) {
  for (const s of scored.filter((x) => x.verdict.supported !== (x.label === 'supported'))) {
    console.log(`\n[${s.label} ${s.method}] ${s.claim}\n  evidence: ${s.verdict.evidence}\n  reasons: ${s.verdict.reasons.join(' | ') || '(passed)'}`);
  }
}
console.log(JSON.stringify({ bench: 'grounding', claims: all.claims, recall: all.recall, precision: all.precision, falsePositiveRate: all.falsePositiveRate, generated: subsets.generated, handWritten: subsets['hand-written'], heldOut: subsets['held-out'] }));
