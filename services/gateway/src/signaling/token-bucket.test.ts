import { TokenBucket } from './token-bucket';

function bucket(rate: number, burst: number) {
  let now = 0;
  const b = new TokenBucket(rate, burst, () => now);
  return { b, advance: (ms: number) => (now += ms) };
}

describe('token bucket', () => {
  it('lets a full burst through at once, then refuses', () => {
    const { b } = bucket(10, 5);
    const taken = Array.from({ length: 8 }, () => b.take());
    expect(taken).toEqual([true, true, true, true, true, false, false, false]);
  });

  it('refills at the rate: one token per 1/rate seconds', () => {
    const { b, advance } = bucket(10, 2);
    b.take();
    b.take();
    expect(b.take()).toBe(false);
    advance(99);
    expect(b.take()).toBe(false);
    advance(1);
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
  });

  it('never holds more than the burst, however long it rested', () => {
    const { b, advance } = bucket(100, 3);
    advance(60_000);
    expect(b.tokens).toBe(3);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
  });

  it('says how long until the next token', () => {
    const { b, advance } = bucket(4, 1);
    expect(b.retryAfterMs()).toBe(0);
    b.take();
    expect(b.retryAfterMs()).toBe(250);
    advance(100);
    expect(b.retryAfterMs()).toBe(150);
  });

  it('sustains exactly the rate under a constant flood', () => {
    const { b, advance } = bucket(20, 40);
    let granted = 0;
    for (let ms = 0; ms < 10_000; ms += 5) {
      if (b.take()) granted++;
      advance(5);
    }
    // The burst, plus 20 per second for 10 seconds.
    expect(granted).toBeGreaterThanOrEqual(239);
    expect(granted).toBeLessThanOrEqual(241);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket(0, 1)).toThrow();
    expect(() => new TokenBucket(1, 0)).toThrow();
  });
});
