import { phaseShape } from './pipeline-driver';

describe('phaseShape (N tasks as no-op agents x shards, at most 32 shards each)', () => {
  it('uses one agent up to 32 tasks', () => {
    expect(phaseShape(1)).toEqual({ agents: 1, shards: 1 });
    expect(phaseShape(32)).toEqual({ agents: 1, shards: 32 });
  });

  it('splits larger phases exactly when it can', () => {
    expect(phaseShape(3000)).toEqual({ agents: 100, shards: 30 });
    expect(phaseShape(33)).toEqual({ agents: 3, shards: 11 });
  });

  it('never exceeds 32 shards and never runs fewer tasks than asked', () => {
    for (let n = 1; n <= 5000; n += 7) {
      const { agents, shards } = phaseShape(n);
      expect(shards).toBeLessThanOrEqual(32);
      expect(agents * shards).toBeGreaterThanOrEqual(n);
      expect(agents * shards).toBeLessThan(n + agents); // rounds up by less than one task per agent
    }
    expect(phaseShape(3001)).toEqual({ agents: 94, shards: 32 });
  });
});
