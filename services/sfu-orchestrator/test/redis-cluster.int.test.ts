import { type RedisClient, createRedis, isRedisCluster, loadConfig } from '@cascade/server-kit';
import { useRedisCluster } from '@cascade/testing';

import { OrchestratorConfigSchema } from '../src/config';
import { RoomLeases } from '../src/rooms/room-leases';
import type { RoomState } from '../src/rooms/room-state';
import { RoomStore } from '../src/rooms/room-store';
import { roomOn } from './support/rooms';

/**
 * The orchestrator's room state on a real Redis Cluster (three masters of its own), configured
 * as an operator would (`REDIS_MODE=cluster`, the seeds in `REDIS_URL`) and connected as the
 * service connects (the kit's `createRedis`): rooms and their node indexes written in one MULTI,
 * read back, found by node; the rooms' leases claimed, taken over and released by two replicas;
 * and rooms stored before the hash tag found on whichever shard their keys are.
 */
const cluster = useRedisCluster();
let redis: RedisClient;

beforeAll(async () => {
  const config = loadConfig('sfu-orchestrator', OrchestratorConfigSchema, {
    NATS_URL: 'nats://127.0.0.1:4222', // required by the configuration; not used here
    ...cluster().env,
  });
  redis = createRedis(config, { name: 'sfu-orchestrator', version: 'test', instanceId: 'o-1' });
  await redis.connect();
});

afterAll(async () => {
  await redis?.quit();
});

const quiet = { warn: () => undefined };

const room = (roomId: string, nodes: string[]): RoomState => roomOn(nodes, roomId);

describe('the orchestrator’s room state on a Redis Cluster', () => {
  it('connects with the cluster client', () => {
    expect(isRedisCluster(redis)).toBe(true);
  });

  it('stores rooms with their node indexes, reads them back, and forgets them', async () => {
    const store = new RoomStore(redis, quiet);
    const standup = room('standup', ['n1', 'n2']);
    const retro = room('retro', ['n2']);
    await store.save(standup, new Set(), false);
    await store.save(retro, new Set(), false);
    expect(await store.load('acme', 'standup')).toEqual(standup);
    expect(await store.rooms()).toEqual(
      expect.arrayContaining([
        { tenantId: 'acme', roomId: 'standup' },
        { tenantId: 'acme', roomId: 'retro' },
      ]),
    );
    expect(await store.roomsOnNode('n2')).toHaveLength(2);
    expect((await store.nodesWithRooms()).sort()).toEqual(['n1', 'n2']);

    // standup leaves n2; then it ends: n1 has no room left.
    const moved = room('standup', ['n1']);
    await store.save(moved, new Set(['n1', 'n2']), false);
    expect(await store.roomsOnNode('n2')).toEqual([{ tenantId: 'acme', roomId: 'retro' }]);
    await store.save({ ...moved, participants: {} }, new Set(['n1']), true);
    expect(await store.load('acme', 'standup')).toBeUndefined();
    expect(await store.nodesWithRooms()).toEqual(['n2']);
    await store.save({ ...retro, participants: {} }, new Set(['n2']), true);
    expect(await store.nodesWithRooms()).toEqual([]);
  });

  it('gives each room one leader among two replicas, and lets one take over', async () => {
    const one = new RoomLeases(redis, 'orch-1', 10_000);
    const two = new RoomLeases(redis, 'orch-2', 10_000);
    const rooms = Array.from({ length: 6 }, (_, i) => `acme/lease-${i}`);
    for (const r of rooms) expect(await one.claim(r)).toBe('orch-1');
    for (const r of rooms) expect(await two.claim(r)).toBe('orch-1');
    await one.renew();
    expect(one.owned().sort()).toEqual([...rooms].sort());
    expect(await two.takeOver(rooms[0]!, 'orch-1')).toBe(true);
    await one.renew();
    expect(one.owned()).not.toContain(rooms[0]);
    for (const r of rooms.slice(1)) await one.release(r);
    expect(await two.claim(rooms[1]!)).toBe('orch-2');
  });

  it('finds the nodes of rooms stored before the hash tag on every shard (SCAN on each master)', async () => {
    const store = new RoomStore(redis, quiet);
    // The old per-node keys have no hash tag: nodes whose keys are on every shard.
    const nodes = await cluster().onEveryMaster(
      'legacy',
      (node) => `${cluster().keyPrefix}orch:node-rooms:${node}`,
    );
    for (const node of nodes) await redis.sadd(`orch:node-rooms:${node}`, `acme/old-${node}`);
    try {
      expect((await store.nodesWithRooms()).sort()).toEqual([...nodes].sort());
    } finally {
      for (const node of nodes) await redis.del(`orch:node-rooms:${node}`);
    }
  });
});
