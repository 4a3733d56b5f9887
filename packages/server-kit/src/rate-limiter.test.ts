import { CascadeError } from '@cascade/contracts';

import { FixedWindowRateLimiter } from './rate-limiter';

describe('FixedWindowRateLimiter', () => {
  it('allows the limit per window and per key, then says how long to wait', () => {
    let now = 0;
    const limiter = new FixedWindowRateLimiter(2, 60_000, () => now);
    expect(limiter.hit('a')).toBe(0);
    expect(limiter.hit('a')).toBe(0);
    now = 10_000;
    expect(limiter.hit('a')).toBe(50_000);
    expect(limiter.hit('b')).toBe(0);
    now = 60_000;
    expect(limiter.hit('a')).toBe(0);
  });

  it('enforces the limit with RATE_LIMITED and a retry delay', () => {
    let now = 0;
    const limiter = new FixedWindowRateLimiter(2, 60_000, () => now);
    limiter.enforce('a');
    limiter.enforce('a');
    limiter.enforce('b');
    now = 15_000;
    try {
      limiter.enforce('a');
      throw new Error('expected RATE_LIMITED');
    } catch (error) {
      expect(error).toBeInstanceOf(CascadeError);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 45 } });
    }
    now = 60_000;
    expect(() => limiter.enforce('a')).not.toThrow();
  });
});
