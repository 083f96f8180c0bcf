import { percentile, ratio, round, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose

  it('picks the ceil(p/100 * n)-th smallest sample', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile([3, 1, 2, 4], 50)).toBe(2); // lower middle of an even count
    expect(percentile(Array.from({ length: 200 }, (_, i) => i + 1), 99)).toBe(198);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('is NaN for no samples and rejects p outside [0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives count, p50, p90, p99, max and mean', () => {
    expect(summarize([10, 20, 30, 40])).toEqual({ n: 4, p50: 20, p90: 40, p99: 40, max: 40, mean: 25 });
  });
});

describe('ratio and round', () => {
  it('never yields NaN or Infinity', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(NaN, 2)).toBeNull();
    expect(round(1 / 3, 2)).toBe(0.33);
    expect(round(Infinity)).toBeNull();
  });
});
