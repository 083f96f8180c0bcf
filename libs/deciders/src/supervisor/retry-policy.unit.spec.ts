import { decideRetry } from './retry-policy';

describe('decideRetry', () => {
  it('backs off exponentially for transient errors and caps the delay', () => {
    expect(decideRetry('transient', true, 1)).toEqual({ retry: true, nextAttempt: 2, delayMs: 1000 });
    expect(decideRetry('transient', true, 3)).toEqual({ retry: true, nextAttempt: 4, delayMs: 4000 });
    expect(decideRetry('rate_limit', true, 7)).toEqual({ retry: true, nextAttempt: 8, delayMs: 300_000 });
  });

  it('stops at the class maximum and never retries fatal or non-retryable failures', () => {
    expect(decideRetry('transient', true, 5)).toEqual({ retry: false, reason: 'transient: gave up after 5 attempt(s)' });
    expect(decideRetry('fatal', false, 1).retry).toBe(false);
    expect(decideRetry('transient', false, 1).retry).toBe(false);
    expect(decideRetry('budget', true, 1).retry).toBe(false);
  });
});
