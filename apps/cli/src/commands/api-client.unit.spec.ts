import { endpoint, EXIT, finalOutcomeOf, haltOf } from './api-client';

describe('CLI outcomes and exit codes', () => {
  const e = (type: string, payload: unknown = {}) => ({ id: '1', type, runId: 'r', occurredAt: '', payload });
  it('maps terminal events to outcomes and outcomes to exit codes', () => {
    expect(finalOutcomeOf(e('run.completed'))?.outcome).toBe('completed');
    expect(finalOutcomeOf(e('run.failed', { reason: 'gate' }))).toEqual({ outcome: 'failed', reason: 'gate' });
    expect(finalOutcomeOf(e('run.cancelled'))?.outcome).toBe('cancelled');
    expect(finalOutcomeOf(e('run.paused'))).toBeUndefined();
    expect(haltOf(e('run.paused', { reason: 'budget exhausted' }))).toEqual({ outcome: 'paused', reason: 'budget exhausted' });
    expect(haltOf(e('phase.blocked', { phase: 'prd', reason: 'needs a waiver' }))).toEqual({ outcome: 'blocked', reason: 'prd: needs a waiver' });
    expect([EXIT.completed, EXIT.failed, EXIT.paused, EXIT.blocked, EXIT.cancelled, EXIT.usage]).toEqual([0, 2, 3, 3, 4, 1]);
  });

  it('refuses a missing key or a non-HTTP API URL as usage errors', () => {
    expect(() => endpoint({ key: '', api: 'http://x' })).toThrow(/no API key/);
    expect(() => endpoint({ key: 'k', api: 'ftp://x' })).toThrow(/must be an http\(s\) URL/);
    expect(endpoint({ key: 'k', api: 'http://h:1/' })).toEqual({ base: 'http://h:1', key: 'k' });
  });
});
