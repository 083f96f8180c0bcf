import { newEvent } from '@ideamine/contracts';
import { artifactRef } from '@ideamine/contracts/testing';
import { fact, given } from '@ideamine/decider/testing';
import { dossierDecider, DossierState } from './dossier.decider';

const completed = fact(newEvent('run.completed', '_', { phases: ['intake'], usage: { tokens: 1, usd: 0, toolMinutes: 0, wallclockMs: 1 } }));
const compiled = (causeId: string) => newEvent('dossier.compiled', '_', { version: '1.0.0', signature: 'a'.repeat(64), completeness: 100, missing: [], json: artifactRef('j', 'dossier.json'), causeId });

describe('dossier decider', () => {
  it('asks for one compile per completed run, keyed by the completion', () => {
    const t = given<DossierState>(dossierDecider, []).when(completed);
    expect(t.decision.commands).toEqual([{ name: 'compile-dossier', aggregateId: '_', payload: { requestedBy: 'dossier', causeId: completed.event.id }, key: completed.event.id }]);
    expect(dossierDecider.isPending!(t.state, t.decision.commands![0])).toBe(true);
  });

  it('asks for nothing once a dossier answered that completion, however late the completion is read again', () => {
    const t = given<DossierState>(dossierDecider, [compiled(completed.event.id)]).when(completed);
    expect(t.decision.commands).toBeUndefined();
    expect(t.decision.ignored).toMatch(/already compiled/);
    const pending = given<DossierState>(dossierDecider, []).when(completed).decision.commands![0];
    expect(dossierDecider.isPending!(t.state, pending)).toBe(false);
  });
});
