import type { PhaseConfig } from '@ideamine/contracts';
import { computeCriticalPath, computeLevels, planRun, validateDag, InvalidDagError } from './dag';

const phase = (name: string, dependsOn: string[] = [], estimatedMinutes = 10): PhaseConfig => ({
  phase: name, dependsOn, parallelism: 'parallel', aggregation: 'merge', agents: ['A'],
  budgets: { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 }, guards: [],
  gate: { passThreshold: 0.5, autoFix: true, maxAttempts: 3 }, estimatedMinutes,
});

describe('run DAG', () => {
  const diamond = [phase('build'), phase('security', ['build'], 30), phase('story-loop', ['build'], 20), phase('qa', ['security', 'story-loop'])];

  it('puts independent phases on one level', () => {
    expect(computeLevels(diamond)).toEqual([['build'], ['security', 'story-loop'], ['qa']]);
  });

  it('takes the longest chain as the critical path', () => {
    expect(computeCriticalPath(diamond)).toEqual({ path: ['build', 'security', 'qa'], minutes: 50 });
  });

  it('reports self, missing and cyclic dependencies', () => {
    expect(validateDag([phase('a', ['a'])])).toEqual([{ phase: 'a', reason: 'depends on itself' }]);
    expect(validateDag([phase('a', ['ghost'])])).toEqual([{ phase: 'a', reason: 'depends on unknown phase "ghost"' }]);
    const cycle = validateDag([phase('a', ['c']), phase('b', ['a']), phase('c', ['b'])]);
    expect(cycle).toHaveLength(1);
    expect(cycle[0].reason).toMatch(/dependency cycle a -> c -> b -> a/);
  });

  it('refuses to plan an invalid DAG', () => {
    expect(() => planRun([phase('a', ['b']), phase('b', ['a'])])).toThrow(InvalidDagError);
  });
});
