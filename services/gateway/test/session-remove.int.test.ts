import type { RoomGrants } from '@cascade/contracts';
import { useInfrastructure } from '@cascade/testing';
import { Redis } from 'ioredis';

import { type NewSession, SessionStore } from '../src/sessions/session-store';

/**
 * Ending a session on a real Redis when its resume token rotates between the store's read of it
 * and the script that ends it: the script names every key it touches in KEYS (Redis Cluster
 * routes by them), so it is handed the resume key as read, and must notice that it changed.
 */
const infra = useInfrastructure({ redis: true });
let redis: Redis;

beforeAll(() => {
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: infra().env['REDIS_KEY_PREFIX'] });
});
afterAll(() => redis?.disconnect());

const grants: RoomGrants = { room: 'r', join: true, publish: true, subscribe: true, admin: false };

describe('ending a session whose resume token rotates meanwhile', () => {
  it('reads it again and forgets the new resume token, not the one it read first', async () => {
    const store = new SessionStore(redis, 'gw-remove');
    const s: NewSession = {
      tenantId: 'acme',
      roomId: `room-remove-${Date.now()}`,
      participantId: 'p_1',
      userId: 'u_1',
      displayName: 'Someone',
      grants,
      joinedAt: 1_000,
      nodeId: 'n1',
      workerIndex: 0,
      rtpCapabilities: { codecs: [], headerExtensions: [] },
      resumeHash: `hash-old-${Date.now()}`,
      socketId: 's1',
    };
    await store.create(s);
    const newHash = `hash-new-${Date.now()}`;

    // The first read of the session's resume hash is answered, then the token rotates (as a
    // reconnect on another gateway does) before the script runs.
    const hmget = redis.hmget.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    let reads = 0;
    (redis as unknown as { hmget: (...args: unknown[]) => Promise<unknown> }).hmget = async (
      ...args: unknown[]
    ) => {
      const answer = await hmget(...args);
      if (++reads === 1)
        expect(await store.rotateResume(s, newHash, s.resumeHash, 60_000)).toBe(true);
      return answer;
    };
    try {
      const removed = await store.remove(s);
      expect(removed?.participantId).toBe(s.participantId);
    } finally {
      (redis as unknown as { hmget: unknown }).hmget = hmget;
    }
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(await store.get(s)).toBeUndefined();
    // The token it rotated to resumes nothing; the old one only lives out its overlap.
    expect(await store.resolveResume(newHash)).toBeUndefined();
  });
});
