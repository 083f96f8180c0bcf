import { addSpend, exceeds, remainingSpend, splitBudget, subtractSpend, ZERO_SPEND } from './budget';

const budget = (usd: number, tokens = 1000, toolMinutes = 10) => ({ tokens, usd, toolMinutes, wallclockMinutes: 30 });

describe('splitBudget', () => {
  it('never hands out more than the whole, in any dimension', () => {
    for (const [usd, n] of [[1, 3], [0.02, 3], [4, 7], [0.05, 10], [2, 1]] as const) {
      const part = splitBudget(budget(usd, 1001, 9), n);
      expect(part.usd * n).toBeLessThanOrEqual(usd + 1e-9);
      expect(part.tokens * n).toBeLessThanOrEqual(1001);
      expect(part.toolMinutes * n).toBeLessThanOrEqual(9 + 1e-9);
      expect(part.wallclockMinutes).toBe(30);
    }
  });

  it('rounds a tiny USD share down to $0, which then admits no spend', () => {
    const part = splitBudget(budget(0.02), 3);
    expect(part.usd).toBe(0);
    expect(exceeds(part, ZERO_SPEND, { tokens: 1, usd: 0.000001, toolMinutes: 0 })).toEqual({ dimension: 'usd', limit: 0, wouldUse: 0.000001 });
  });
});

describe('exceeds (reservation check)', () => {
  it('$0 means nothing may be spent, yet a free call fits', () => {
    const zero = budget(0);
    expect(exceeds(zero, ZERO_SPEND, { tokens: 10, usd: 0.01, toolMinutes: 0 })?.dimension).toBe('usd');
    expect(exceeds(zero, ZERO_SPEND, { tokens: 10, usd: 0, toolMinutes: 0 })).toBeUndefined();
  });

  it('counts what is committed (used + reserved) against the limit, per dimension', () => {
    const b = budget(1, 1000, 5);
    expect(exceeds(b, { tokens: 900, usd: 0, toolMinutes: 0 }, { tokens: 100, usd: 0, toolMinutes: 0 })).toBeUndefined();
    expect(exceeds(b, { tokens: 900, usd: 0, toolMinutes: 0 }, { tokens: 101, usd: 0, toolMinutes: 0 })).toEqual({ dimension: 'tokens', limit: 1000, wouldUse: 1001 });
    expect(exceeds(b, { tokens: 0, usd: 0, toolMinutes: 4.5 }, { tokens: 0, usd: 0, toolMinutes: 0.6 })).toEqual({ dimension: 'toolMinutes', limit: 5, wouldUse: 5.1 });
    expect(exceeds(b, { tokens: 0, usd: 0.7, toolMinutes: 0 }, { tokens: 0, usd: 0.3, toolMinutes: 0 })).toBeUndefined();
    expect(exceeds(b, { tokens: 0, usd: 0.7, toolMinutes: 0 }, { tokens: 0, usd: 0.300001, toolMinutes: 0 })?.dimension).toBe('usd');
  });

  it('compares dollars in micro-dollars, so float dust does not refuse an exact fit', () => {
    let used = ZERO_SPEND;
    for (let i = 0; i < 10; i++) used = addSpend(used, { tokens: 0, usd: 0.1, toolMinutes: 0 });
    expect(used.usd).toBe(1);
    expect(exceeds(budget(1.1), used, { tokens: 0, usd: 0.1, toolMinutes: 0 })).toBeUndefined();
  });
});

describe('spend arithmetic', () => {
  it('adds, subtracts and floors the remainder at zero', () => {
    const a = { tokens: 10, usd: 0.25, toolMinutes: 1 };
    expect(subtractSpend(addSpend(a, a), a)).toEqual(a);
    expect(remainingSpend(budget(0.2, 5, 0.5), a)).toEqual({ tokens: 0, usd: 0, toolMinutes: 0 });
    expect(remainingSpend(budget(1, 100, 3), a)).toEqual({ tokens: 90, usd: 0.75, toolMinutes: 2 });
  });
});
