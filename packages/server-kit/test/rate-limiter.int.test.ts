import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import { RateLimiter } from '../src/rate-limiter';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * Two replicas of a service, each with its own Redis connection and its own RateLimiter, against
 * the same Redis and key prefix: one bucket between them.
 */
describe('RateLimiter on Redis', () => {
  const prefix = `cascade-test-rl-${randomBytes(4).toString('hex')}:`;
  const connections: Redis[] = [];
  const replica = async () => {
    const redis = new Redis(REDIS_URL, { keyPrefix: prefix, lazyConnect: true });
    connections.push(redis);
    await redis.connect();
    return new RateLimiter(redis, { name: 'test:shared', points: 3, durationSeconds: 60 });
  };

  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await Promise.all(connections.map((c) => c.quit()));
  });

  it('lets two replicas together allow the limit once, not once each', async () => {
    const [a, b] = [await replica(), await replica()];
    const allowed = [];
    for (const limiter of [a, b, a, b, a, b]) allowed.push((await limiter.hit('k1')).allowed);
    expect(allowed).toEqual([true, true, true, false, false, false]);
    expect((await b.hit('k2')).allowed).toBe(true);
  });

  it('keeps the count under the connection prefix, rl: and the limit name', async () => {
    const limiter = await replica();
    await limiter.hit('203.0.113.7');
    const admin = new Redis(REDIS_URL);
    try {
      expect(await admin.exists(`${prefix}rl:test:shared:203.0.113.7`)).toBe(1);
      const ttl = await admin.pttl(`${prefix}rl:test:shared:203.0.113.7`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await admin.quit();
    }
  });

  it('refuses with the seconds left in the window', async () => {
    const limiter = await replica();
    for (let i = 0; i < 3; i++) await limiter.hit('k3');
    const refused = await limiter.hit('k3');
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});
