import { newEvent } from '@ideamine/contracts';
import { artifactRef, phaseConfig } from '@ideamine/contracts/testing';
import { DeciderIo } from '@ideamine/decider';
import { fact, given } from '@ideamine/decider/testing';
import { gatekeeperDecider } from './gatekeeper.decider';
import type { GateState } from './state';

const idea = { idea: 'A recipe planner that suggests meals from pantry ingredients', targetUsers: [], constraints: [] };
const config = phaseConfig('prd', { guards: [{ type: 'coverage', field: 'stories', min: 2 }], gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 } });
const started = newEvent('phase.started', 'prd', { phase: 'prd', config, input: idea, upstream: [], budget: config.budgets });
const aggregated = (gateAttempt: number, at = '2026-01-01T00:00:00.000Z') =>
  fact(newEvent('phase.aggregated', 'prd', { phase: 'prd', gateAttempt, evidencePack: artifactRef('e'), taskCount: 1, usage: { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 } }), { occurredAt: at });
const thin = { merged: { stories: [1] } };
const full = { merged: { stories: [1, 2] } };
const waiver = (expiresAt: string) => newEvent('command.received', 'gatekeeper', { command: 'grant-waiver', payload: { phase: 'prd', guard: 'coverage:stories', reason: 'MVP', expiresAt, requestedBy: 'lead' } });

describe('gatekeeper decider', () => {
  it('passes a phase whose evidence meets every guard', () => {
    given<GateState>(gatekeeperDecider, [started]).when(aggregated(1), full)
      .then([{ type: 'gate.evaluated', payload: { gateAttempt: 1, score: 1 } }, { type: 'gate.passed', payload: { gateAttempt: 1, waived: false } }]);
  });

  it('requests an auto-fix until the last attempt, then fails for good', () => {
    given<GateState>(gatekeeperDecider, [started])
      .when(aggregated(1), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.failed', payload: { final: false } }, { type: 'autofix.requested', payload: { strategy: 'add-missing-agents' } }])
      .andWhen(aggregated(1), thin).thenNothing()
      .andWhen(aggregated(3), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.failed', payload: { final: true } }]);
  });

  it('honours a waiver while it is active, judged at the time of the evidence, and drops it when revoked', () => {
    const g = given<GateState>(gatekeeperDecider, [started]).when(waiver('2026-02-01T00:00:00.000Z')).then([{ type: 'waiver.granted', payload: { grantedBy: 'lead' } }]);
    g.andWhen(aggregated(1, '2026-01-15T00:00:00.000Z'), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.passed', payload: { waived: true } }]);
    g.andWhen(aggregated(1, '2026-03-01T00:00:00.000Z'), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.failed' }, { type: 'autofix.requested' }]);
    const revoke = newEvent('command.received', 'gatekeeper', { command: 'revoke-waiver', payload: { phase: 'prd', guard: 'coverage:stories', reason: 'no', requestedBy: 'lead' } });
    g.andWhen(revoke).then([{ type: 'waiver.revoked' }]).andWhen(aggregated(1, '2026-01-15T00:00:00.000Z'), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.failed' }, { type: 'autofix.requested' }]);
  });

  it('refuses a waiver that expired before it was granted, or for a phase that never started, naming why', () => {
    expect(given<GateState>(gatekeeperDecider, [started]).when(fact(waiver('2025-01-01T00:00:00.000Z'), { occurredAt: '2026-01-01T00:00:00.000Z' })).decision.ignored).toMatch(/expired before/);
    expect(given<GateState>(gatekeeperDecider, []).when(waiver('2030-01-01T00:00:00.000Z')).decision.ignored).toMatch(/not a phase of this run/);
  });

  it('accepts a waiver for a planned phase before it starts, and applies it when it is judged', () => {
    const planned = newEvent('run.planned', '_', { phases: [config], levels: [['prd']], criticalPath: ['prd'], estimatedMinutes: 1 });
    given<GateState>(gatekeeperDecider, [planned]).when(waiver('2026-02-01T00:00:00.000Z')).then([{ type: 'waiver.granted' }])
      .andWhen(started).thenNothing()
      .andWhen(aggregated(1, '2026-01-15T00:00:00.000Z'), thin).then([{ type: 'gate.evaluated' }, { type: 'gate.passed', payload: { waived: true } }]);
  });

  it('ignores evidence for a phase it never saw started', () => {
    expect(given<GateState>(gatekeeperDecider, []).when(aggregated(1), full).decision.ignored).toMatch(/never started/);
  });

  it('reads the evidence pack only for an attempt it has not judged yet', async () => {
    const reads: string[] = [];
    const io: DeciderIo = { readJsonArtifact: async <T>(r: { sha256: string }) => { reads.push(r.sha256); return full as T; } };
    const g = given<GateState>(gatekeeperDecider, [started]);
    expect(await gatekeeperDecider.enrich!(g.state, aggregated(1), io)).toEqual(full);
    const judged = g.when(aggregated(1), full).state;
    expect(await gatekeeperDecider.enrich!(judged, aggregated(1), io)).toBeUndefined();
    expect(reads).toHaveLength(1);
  });
});
