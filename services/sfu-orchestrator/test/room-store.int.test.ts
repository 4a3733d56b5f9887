import { useInfrastructure } from '@cascade/testing';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';

import type { RoomState } from '../src/rooms/room-state';
import { RoomStore, roomDoc } from '../src/rooms/room-store';

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

let seq = 0;
function room(nodes: string[]): RoomState {
  const roomId = `room-${++seq}-${Date.now()}`;
  return {
    tenantId: 'acme',
    roomId,
    participants: Object.fromEntries(
      nodes.map((nodeId, i) => [
        `p${i}`,
        { participantId: `p${i}`, nodeId, workerIndex: 0, joinedAt: 1_700_000_000_000 + i },
      ]),
    ),
    producers: {},
    pipes: {},
    piped: {},
  };
}

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
});
