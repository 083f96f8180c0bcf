import { canonicalJson } from '@ideamine/contracts';
import { fanIn, TaskOutput } from './fan-in';

const outputs: TaskOutput[] = [
  { agent: 'B', iteration: 0, shard: 0, output: { stories: ['b1'], verdict: 'ship', meta: { b: 1 } } },
  { agent: 'A', iteration: 0, shard: 0, output: { stories: ['a1', 'a2'], verdict: 'polish', meta: { a: 1 } } },
  { agent: 'C', iteration: 0, shard: 0, output: { verdict: 'ship' } },
  { agent: 'A', iteration: 1, shard: 0, output: { stories: ['a3'] } },
];

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('fanIn', () => {
  it.each(['merge', 'concat', 'vote', 'custom'] as const)('%s gives byte-identical output in any arrival order', (strategy) => {
    const results = new Set(permutations(outputs).map((p) => canonicalJson(fanIn(strategy, p))));
    expect(results.size).toBe(1);
  });

  it('merge deep-merges objects and concatenates arrays in (iteration, agent) order', () => {
    expect(fanIn('merge', outputs)).toEqual({ stories: ['a1', 'a2', 'b1', 'a3'], verdict: 'ship', meta: { a: 1, b: 1 } });
  });

  it('vote takes the majority per key', () => {
    expect((fanIn('vote', outputs) as { verdict: string }).verdict).toBe('ship');
  });

  it('custom keeps each agent\'s latest iteration', () => {
    expect(fanIn('custom', outputs)).toEqual({ verdict: 'ship', stories: ['b1', 'a3'], meta: { b: 1 } });
  });

  it('concat keeps every output with its origin', () => {
    const r = fanIn('concat', outputs) as { items: { agent: string; iteration: number }[] };
    expect(r.items.map((i) => `${i.agent}${i.iteration}`)).toEqual(['A0', 'B0', 'C0', 'A1']);
  });
});

describe('fanIn with shards', () => {
  it('custom keeps the latest iteration of every shard of an agent', () => {
    const r = fanIn('custom', [
      { agent: 'S', iteration: 0, shard: 0, output: { items: ['a0'] } },
      { agent: 'S', iteration: 0, shard: 1, output: { items: ['b0'] } },
      { agent: 'S', iteration: 1, shard: 1, output: { items: ['b1'] } },
      { agent: 'S', iteration: 1, shard: 0, output: { items: ['a1'] } },
    ]);
    expect(r).toEqual({ items: ['a1', 'b1'] });
  });
});
