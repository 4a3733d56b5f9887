import { CascadeError } from '@cascade/contracts';
import { Redis } from 'ioredis';

import { RateLimiter } from './rate-limiter';

/** A Redis client that never connects: every command fails, as while Redis is down. */
function unreachableRedis(): Redis {
  return new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
}

describe('RateLimiter without Redis', () => {
  let redis: Redis;
  beforeEach(() => (redis = unreachableRedis()));
  afterEach(() => redis.disconnect());

  it('counts in memory with the same limit (insurance), per key', async () => {
    const limiter = new RateLimiter(redis, { name: 'test:down', points: 2, durationSeconds: 60 });
    expect(await limiter.hit('a')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.hit('a')).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limiter.hit('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await limiter.hit('b')).toMatchObject({ allowed: true });
  });

  it('enforces with RATE_LIMITED and whole seconds to wait', async () => {
    const limiter = new RateLimiter(redis, { name: 'test:enforce', points: 1, durationSeconds: 5 });
    await limiter.enforce('a');
    const error = await limiter.enforce('a', 'slow down').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CascadeError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', message: 'slow down' });
    const seconds = (error as CascadeError).details?.['retryAfterSeconds'];
    expect(Number.isInteger(seconds)).toBe(true);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(5);
  });
});
