import { phaseConfig } from '@ideamine/contracts/testing';
import { chooseAutoFix, evaluateGate, evaluateGuard } from './evaluate-gate';

const idea = { idea: 'A recipe planner that suggests meals from pantry ingredients', targetUsers: [], constraints: [] };
const now = new Date('2026-01-01T00:00:00Z');

describe('guards', () => {
  it('coverage counts the items at a path', () => {
    expect(evaluateGuard({ type: 'coverage', field: 'stories', min: 5 }, { stories: [1, 2, 3] }, idea)).toMatchObject({ passed: false, score: 0.6 });
    expect(evaluateGuard({ type: 'coverage', field: 'stories', min: 2 }, { stories: [1, 2, 3] }, idea).passed).toBe(true);
  });

  it('grounding measures how many idea terms the evidence mentions', () => {
    const grounded = evaluateGuard({ type: 'grounding', threshold: 0.8 }, { text: 'recipe planner suggests meals from pantry ingredients' }, idea);
    expect(grounded.passed).toBe(true);
    const ungrounded = evaluateGuard({ type: 'grounding', threshold: 0.8 }, { text: 'a blockchain for cats' }, idea);
    expect(ungrounded.passed).toBe(false);
    expect(ungrounded.detail).toMatch(/missing: recipe/);
  });

  it('security fails on open high findings only', () => {
    const findings = [{ severity: 'high', status: 'mitigated' }, { severity: 'low', status: 'open' }];
    expect(evaluateGuard({ type: 'security', max: 0 }, { findings }, idea).passed).toBe(true);
    expect(evaluateGuard({ type: 'security', max: 0 }, { findings: [...findings, { severity: 'critical', status: 'open' }] }, idea).passed).toBe(false);
  });

  it('threshold reads nested numbers', () => {
    expect(evaluateGuard({ type: 'threshold', field: 'qa.passRate', min: 0.9 }, { qa: { passRate: 0.95 } }, idea).passed).toBe(true);
    expect(evaluateGuard({ type: 'threshold', field: 'qa.passRate', min: 0.9 }, {}, idea)).toMatchObject({ passed: false, detail: expect.stringMatching(/missing/) });
  });
});

describe('gate', () => {
  const config = phaseConfig('prd', { guards: [{ type: 'coverage', field: 'stories', min: 5 }, { type: 'contradictions', max: 0 }], gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 } });

  it('passes when every guard passes', () => {
    expect(evaluateGate(config, { stories: [1, 2, 3, 4, 5], contradictions: [] }, idea, [], now)).toMatchObject({ passed: true, score: 1 });
  });

  it('honours an active waiver and ignores an expired one', () => {
    const merged = { stories: [1], contradictions: [] };
    const active = [{ guard: 'coverage:stories', reason: 'MVP', expiresAt: '2026-02-01T00:00:00Z' }];
    const expired = [{ guard: 'coverage:stories', reason: 'MVP', expiresAt: '2025-12-01T00:00:00Z' }];
    expect(evaluateGate(config, merged, idea, active, now)).toMatchObject({ passed: true, waived: true });
    expect(evaluateGate(config, merged, idea, expired, now).passed).toBe(false);
  });

  it('picks the auto-fix strategy from the failing guards', () => {
    expect(chooseAutoFix([{ type: 'security', passed: false, score: 0, detail: '' }], 1, 5)).toBe('rerun-security');
    expect(chooseAutoFix([{ type: 'grounding', passed: false, score: 0, detail: '' }], 1, 5)).toBe('rerun-qav');
    expect(chooseAutoFix([{ type: 'coverage', passed: false, score: 0, detail: '' }], 1, 5)).toBe('add-missing-agents');
    expect(chooseAutoFix([{ type: 'contradictions', passed: false, score: 0, detail: '' }], 1, 5)).toBe('stricter-validation');
    expect(chooseAutoFix([{ type: 'coverage', passed: false, score: 0, detail: '' }], 4, 5)).toBe('manual-intervention');
  });
});
