import { useInfrastructure } from '@cascade/testing';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';

import type { RoomState } from '../src/rooms/room-state';
import { ROOMS_TAG, RoomStore, roomDoc } from '../src/rooms/room-store';
import { roomOn } from './support/rooms';

/**
 * The room store on a real Redis: every key of its MULTI in one hash slot (what Redis Cluster
 * requires), and rooms stored before the hash tag still found and moved over.
 */
const infra = useInfrastructure({ redis: true });
let redis: Redis;
let prefix: string;

beforeAll(() => {
  prefix = infra().env['REDIS_KEY_PREFIX'] ?? '';
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: prefix });
});
afterAll(() => redis?.disconnect());

const room = (nodes: string[]): RoomState => roomOn(nodes);

/** Records the keys of every MULTI the client opens (each command's key, with the prefix). */
function recordKeys(client: Redis): { keys: string[][]; stop(): void } {
  const keys: string[][] = [];
  const original = client.multi.bind(client);
  client.multi = ((...args: Parameters<Redis['multi']>) => {
    const tx = original(...args);
    const seen: string[] = [];
    keys.push(seen);
    for (const command of ['set', 'del', 'sadd', 'srem'] as const) {
      const call = tx[command].bind(tx) as (...a: unknown[]) => unknown;
      (tx as unknown as Record<string, unknown>)[command] = (key: string, ...rest: unknown[]) => {
        seen.push(prefix + key);
        call(key, ...rest);
        return tx;
      };
    }
    const evaluate = tx.eval.bind(tx) as (...a: unknown[]) => unknown;
    (tx as unknown as Record<string, unknown>)['eval'] = (
      script: string,
      count: number,
      ...rest: string[]
    ) => {
      seen.push(...rest.slice(0, count).map((k) => prefix + k));
      evaluate(script, count, ...rest);
      return tx;
    };
    return tx;
  }) as Redis['multi'];
  return { keys, stop: () => (client.multi = original as Redis['multi']) };
}

describe('the orchestrator’s room store on Redis', () => {
  it('writes a room and its indexes in one MULTI whose keys share a hash slot', async () => {
    const store = new RoomStore(redis);
    const recorded = recordKeys(redis);
    const state = room(['n-a', 'n-b']);
    try {
      await store.save(state, new Set(), false);
      await store.save({ ...state, participants: {} }, new Set(['n-a', 'n-b']), true);
    } finally {
      recorded.stop();
    }
    expect(recorded.keys).toHaveLength(2);
    for (const keys of recorded.keys) {
      expect(keys.length).toBeGreaterThanOrEqual(4);
      expect(new Set(keys.map((k) => calculateSlot(k))).size).toBe(1);
    }
  });

  it('finds a room stored before the hash tag, and moves it to the tagged keys at its save', async () => {
    const store = new RoomStore(redis);
    const state = room(['n-old']);
    const key = `acme/${state.roomId}`;
    await redis.set(`orch:room:acme:${state.roomId}`, JSON.stringify(state));
    await redis.sadd('orch:rooms', key);
    await redis.sadd('orch:node-rooms:n-old', key);

    expect(await store.load('acme', state.roomId)).toEqual(state);
    expect(await store.rooms()).toContainEqual({ tenantId: 'acme', roomId: state.roomId });
    expect(await store.roomsOnNode('n-old')).toContainEqual({
      tenantId: 'acme',
      roomId: state.roomId,
    });

    const moved = room(['n-new']);
    await store.save({ ...moved, roomId: state.roomId }, new Set(['n-old']), false);
    expect(await redis.exists(`orch:room:acme:${state.roomId}`)).toBe(0);
    expect(await redis.sismember('orch:rooms', key)).toBe(0);
    expect(await redis.sismember('orch:node-rooms:n-old', key)).toBe(0);
    expect(await redis.get(roomDoc('acme', state.roomId))).not.toBeNull();
    expect(await store.roomsOnNode('n-new')).toContainEqual({
      tenantId: 'acme',
      roomId: state.roomId,
    });
    expect(await store.roomsOnNode('n-old')).not.toContainEqual({
      tenantId: 'acme',
      roomId: state.roomId,
    });
    expect(await store.nodesWithRooms()).toContain('n-new');
    await store.save(
      { ...moved, roomId: state.roomId, participants: {} },
      new Set(['n-new']),
      true,
    );
  });

  it('knows the nodes with rooms from a set kept on write, without KEYS', async () => {
    const store = new RoomStore(redis);
    const a = room(['n-set-a', 'n-set-b']);
    const b = room(['n-set-b']);
    const keys = jest.spyOn(redis, 'keys');
    const recorded = recordKeys(redis);
    try {
      await store.save(a, new Set(), false);
      await store.save(b, new Set(), false);
      expect(await store.nodesWithRooms()).toEqual(expect.arrayContaining(['n-set-a', 'n-set-b']));

      // a leaves n-set-b: b still uses it. Then a is gone: n-set-a has no room left.
      const aOnA = room(['n-set-a']);
      await store.save({ ...aOnA, roomId: a.roomId }, new Set(['n-set-a', 'n-set-b']), false);
      expect(await store.nodesWithRooms()).toEqual(expect.arrayContaining(['n-set-a', 'n-set-b']));
      await store.save({ ...a, participants: {} }, new Set(['n-set-a']), true);
      let nodes = await store.nodesWithRooms();
      expect(nodes).toContain('n-set-b');
      expect(nodes).not.toContain('n-set-a');
      expect(await redis.sismember(`orch:${ROOMS_TAG}:nodes`, 'n-set-a')).toBe(0);

      await store.save({ ...b, participants: {} }, new Set(['n-set-b']), true);
      nodes = await store.nodesWithRooms();
      expect(nodes).not.toContain('n-set-b');
      expect(await redis.sismember(`orch:${ROOMS_TAG}:nodes`, 'n-set-b')).toBe(0);
    } finally {
      recorded.stop();
      keys.mockRestore();
    }
    expect(keys).not.toHaveBeenCalled();
    // The node set is written in the rooms' MULTI, in their hash slot.
    for (const written of recorded.keys) {
      expect(written).toContain(prefix + `orch:${ROOMS_TAG}:nodes`);
      expect(new Set(written.map((k) => calculateSlot(k))).size).toBe(1);
    }
  });

  it('still finds a node that only rooms stored before the hash tag use, by SCAN', async () => {
    const store = new RoomStore(redis);
    const keys = jest.spyOn(redis, 'keys');
    await redis.sadd('orch:node-rooms:n-legacy-only', 'acme/room-legacy');
    try {
      expect(await store.nodesWithRooms()).toContain('n-legacy-only');
    } finally {
      keys.mockRestore();
      await redis.del('orch:node-rooms:n-legacy-only');
    }
    expect(keys).not.toHaveBeenCalled();
  });
});
