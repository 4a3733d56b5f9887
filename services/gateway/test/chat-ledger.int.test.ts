import { randomUUID } from 'node:crypto';

import { eventually, useInfrastructure } from '@cascade/testing';
import { Redis } from 'ioredis';

import { RedisChatLedger, chatKey } from '../src/chat/chat-ledger';

/**
 * The chat ledger's atomic steps on a real Redis, as two gateways (two ledgers on one Redis)
 * see one key: what `RoomChat`'s charging and answers from the ledger rely on.
 */
const infra = useInfrastructure({ redis: true });
let redis: Redis;
let one: RedisChatLedger;
let two: RedisChatLedger;

beforeAll(() => {
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: infra().env['REDIS_KEY_PREFIX'] });
  one = new RedisChatLedger(redis, { windowMs: 60_000 });
  two = new RedisChatLedger(redis, { windowMs: 60_000 });
});

afterAll(() => redis?.disconnect());

const id = () => `m_${randomUUID().replace(/-/g, '')}`;

describe('the chat ledger', () => {
  it('counts the attempts at a key on every gateway, and tells how the last one ended', async () => {
    const m = id();
    expect(await one.begin(m)).toEqual({ attempt: 1, previous: 'none' });
    // Another gateway while the first attempt runs.
    expect(await two.begin(m)).toEqual({ attempt: 2, previous: 'pending' });
    await one.settle(m, 'failed');
    expect(await two.begin(m)).toEqual({ attempt: 3, previous: 'failed' });
    await two.delivered(m, { at: 1_700_000_000_123, textHash: 'abc-_9' });
    expect(await one.begin(m)).toEqual({
      attempt: 4,
      previous: 'delivered',
      delivered: { at: 1_700_000_000_123, textHash: 'abc-_9' },
    });
    // Delivered stays delivered, whatever a late attempt says.
    await one.settle(m, 'failed');
    await one.settle(m, 'none');
    expect(await two.begin(m)).toMatchObject({ attempt: 5, previous: 'delivered' });
  });

  it('forgets a key put back to none, so its next attempt is a first one', async () => {
    const m = id();
    await one.begin(m);
    await one.settle(m, 'none');
    expect(await redis.exists(chatKey(m))).toBe(0);
    expect(await one.begin(m)).toEqual({ attempt: 1, previous: 'none' });
  });

  it('keeps a key for the window after its first attempt, not longer', async () => {
    const short = new RedisChatLedger(redis, { windowMs: 300 });
    const m = id();
    await short.begin(m);
    const ttl = await redis.pttl(chatKey(m));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await short.begin(m); // a retry does not extend it
    expect(await redis.pttl(chatKey(m))).toBeLessThanOrEqual(ttl);
    await eventually(
      'the key expired',
      () => redis.exists(chatKey(m)),
      (n) => n === 0,
      {
        timeoutMs: 5_000,
        intervalMs: 50,
      },
    );
    expect(await short.begin(m)).toEqual({ attempt: 1, previous: 'none' });
  });

  it('gives a key recorded after its expiry a window again', async () => {
    const m = id();
    await one.delivered(m, { at: 1, textHash: 'x' });
    expect(await redis.pttl(chatKey(m))).toBeGreaterThan(0);
    await redis.del(chatKey(m));
    await one.settle(m, 'failed');
    expect(await redis.pttl(chatKey(m))).toBeGreaterThan(0);
  });

  it('answers a first attempt when Redis does not answer, and records nothing', async () => {
    const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      const ledger = new RedisChatLedger(down, { windowMs: 60_000, timeoutMs: 200 });
      expect(await ledger.begin(id())).toEqual({ attempt: 1, previous: 'none' });
      await expect(ledger.delivered(id(), { at: 1, textHash: 'x' })).resolves.toBeUndefined();
    } finally {
      down.disconnect();
    }
  });
});
