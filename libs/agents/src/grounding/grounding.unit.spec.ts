import { loadClaimSet, subsetOf } from './claim-set';
import { generateClaims } from './dataset';
import { measure, measureBy, scoreDataset } from './measure';
import { groundClaim, groundClaims } from './scorer';

/**
 * The grounding guard, measured. The positive class is "unsupported": recall is the share of
 * unsupported claims caught, the false-positive rate the share of supported claims flagged.
 * Thresholds sit just under the measured figures (npm run grounding:report prints them), so a
 * change that makes the scorer worse fails here.
 */

const set = loadClaimSet();
const scored = scoreDataset(set.evidence, set.claims);
const subsets = measureBy(scored, subsetOf);

describe('the labelled claim set', () => {
  it('has at least 200 claims of both labels, each naming evidence it has', () => {
    expect(set.claims.length).toBeGreaterThanOrEqual(200);
    for (const label of ['supported', 'unsupported']) expect(set.claims.filter((c) => c.label === label).length).toBeGreaterThanOrEqual(100);
    expect(new Set(set.claims.map((c) => c.id)).size).toBe(set.claims.length);
    const ids = new Set(set.evidence.map((e) => e.id));
    expect(set.claims.filter((c) => !ids.has(c.evidenceId))).toEqual([]);
    expect(set.heldOut.claims.length).toBeGreaterThanOrEqual(40);
  });

  it('is reproducible: the perturbations of the stored evidence are exactly the stored claims', () => {
    expect(generateClaims(set.generated.evidence)).toEqual(set.generated.claims);
  });

  it('labels by construction: every generated unsupported claim differs from its source sentence', () => {
    expect(set.generated.claims.filter((c) => c.label === 'unsupported' && c.claim === c.source)).toEqual([]);
  });
});

describe('grounding scorer on the claim set', () => {
  it('catches at least 95% of the generated unsupported claims at no more than 5% false positives', () => {
    expect(subsets.generated.recall).toBeGreaterThanOrEqual(0.95);
    expect(subsets.generated.falsePositiveRate).toBeLessThanOrEqual(0.05);
  });

  it('on all claims: recall >= 95%, false positives <= 8% (hand-written paraphrases cost most of them)', () => {
    const all = measure(scored);
    expect(all.recall).toBeGreaterThanOrEqual(0.95);
    expect(all.falsePositiveRate).toBeLessThanOrEqual(0.08);
    expect(all.precision).toBeGreaterThanOrEqual(0.92);
  });

  it('on the held-out hand-written claims: recall >= 90%, false positives <= 15%', () => {
    expect(subsets['held-out'].recall).toBeGreaterThanOrEqual(0.9);
    expect(subsets['held-out'].falsePositiveRate).toBeLessThanOrEqual(0.15);
  });

  it('never misses a changed number, an inserted negation or an unsupported addition', () => {
    const by = measureBy(scored, (s) => s.method);
    for (const m of ['number', 'negation', 'negation-removed', 'addition', 'substitution']) expect({ m, recall: by[m].recall }).toEqual({ m, recall: 1 });
  });

  it('scores the same claims the same way every time', () => {
    expect(scoreDataset(set.evidence, set.claims).map((s) => s.verdict)).toEqual(scored.map((s) => s.verdict));
  });
});

describe('groundClaim', () => {
  const evidence = 'Doctors write prescriptions and pharmacists dispense them. Clinics in 3 cities serve 40 patients a day. Patients see their prescriptions but cannot edit them. The app sends a reminder before each visit.';
  const v = (claim: string) => groundClaim(claim, evidence);

  it('accepts a sentence, a clause and a paraphrase of it', () => {
    expect(v('Doctors write prescriptions.').supported).toBe(true);
    expect(v('According to the description, the app sends a reminder before each visit.').supported).toBe(true);
    expect(v('Patients cannot edit their prescriptions.').supported).toBe(true);
    expect(v('Clinics in 3 cities serve 40 patients daily.').supported).toBe(true);
  });

  it('names why a claim is not supported', () => {
    expect(v('Pharmacists write prescriptions and doctors dispense them.').reasons.join()).toMatch(/roles swapped|the evidence has/);
    expect(v('Clinics in 3 cities serve 45 patients a day.').reasons.join()).toMatch(/number\(s\) not in the evidence: 45/);
    expect(v('Clinics in 40 cities serve 3 patients a day.').reasons.join()).toMatch(/is said of/);
    expect(v('Patients can edit their prescriptions.').reasons.join()).toMatch(/negates/);
    expect(v('The app sends a reminder after each visit.').reasons.join()).toMatch(/opposite meaning/);
    expect(v('The app sends a reminder before each visit and books taxis.').reasons.join()).toMatch(/not in the evidence: book, taxi/);
    expect(v('Doctors write prescriptions.').reasons).toEqual([]);
  });

  it('does not call a reordered list a swap', () => {
    const ev = 'It is for clinic administrators, physicians and patients.';
    expect(groundClaim('It is for patients, physicians and clinic administrators.', ev).supported).toBe(true);
  });

  it('refuses claims with nothing to check and evidence with nothing in it', () => {
    expect(groundClaim('It is.', evidence)).toMatchObject({ supported: false, reasons: ['the claim has no content words to check'] });
    expect(groundClaim('Doctors write prescriptions.', '')).toMatchObject({ supported: false, reasons: ['there is no evidence text'] });
  });

  it('reports the share of supported claims for a guard threshold', () => {
    const r = groundClaims(['Doctors write prescriptions.', 'Doctors dispense prescriptions.'], evidence);
    expect(r).toMatchObject({ supported: 1, unsupported: 1, share: 0.5 });
  });
});
