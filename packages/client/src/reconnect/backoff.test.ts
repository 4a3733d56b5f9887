import { backoffDelay, DEFAULT_BACKOFF, resolveBackoff, UrlRotation } from './backoff';

describe('backoffDelay', () => {
  const backoff = resolveBackoff({
    initialDelayMs: 100,
    maxDelayMs: 1_000,
    multiplier: 2,
    jitter: 0,
  });

  it('doubles from the initial delay and stops at the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((attempt) => backoffDelay(attempt, backoff))).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000,
    ]);
  });

  it('spreads each delay by the jitter, both ways', () => {
    const jittery = resolveBackoff({ initialDelayMs: 1_000, maxDelayMs: 1_000, jitter: 0.2 });
    expect(backoffDelay(1, jittery, () => 0)).toBe(800);
    expect(backoffDelay(1, jittery, () => 0.5)).toBe(1_000);
    expect(backoffDelay(1, jittery, () => 0.999_999)).toBe(1_200);
  });

  it('has sensible defaults and refuses nonsense', () => {
    expect(resolveBackoff()).toEqual(DEFAULT_BACKOFF);
    expect(resolveBackoff({ maxAttempts: undefined })).toEqual(DEFAULT_BACKOFF);
    expect(() => resolveBackoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => resolveBackoff({ multiplier: 0.5 })).toThrow(RangeError);
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => resolveBackoff({ maxAttempts: 0 })).toThrow(RangeError);
  });
});

describe('UrlRotation', () => {
  it('starts with the first gateway and moves on to the next, round and round', () => {
    const rotation = new UrlRotation(['a', 'b', 'c']);
    expect(rotation.current).toBe('a');
    expect([rotation.advance(), rotation.advance(), rotation.advance()]).toEqual(['b', 'c', 'a']);
  });

  it('stays on a single gateway', () => {
    const rotation = new UrlRotation('only');
    expect([rotation.current, rotation.advance(), rotation.advance()]).toEqual([
      'only',
      'only',
      'only',
    ]);
  });

  it('continues after the gateway that answered', () => {
    const rotation = new UrlRotation(['a', 'b', 'c']);
    rotation.settle('c');
    expect(rotation.advance()).toBe('a');
  });

  it('needs at least one non-empty URL', () => {
    expect(() => new UrlRotation([])).toThrow(RangeError);
    expect(() => new UrlRotation(['a', ' '])).toThrow(RangeError);
  });
});
