import type { Redis } from 'ioredis';

import { type RoomState, emptyRoom } from './room-state';
import { type RoomStoreLog, RoomStore } from './room-store';

const KEY = 'orch:{orch-rooms}:room:acme:standup';
const CAM = '0b6f7a4e-9d4c-4b53-8f0e-2f4b6a1c9d01';

/** Alice on n1 with a camera piped to n2, where Bob consumes it. */
function standup(): RoomState {
  return {
    tenantId: 'acme',
    roomId: 'standup',
    participants: {
      alice: { participantId: 'alice', nodeId: 'n1', workerIndex: 0, joinedAt: 1_700_000_000_000 },
      bob: { participantId: 'bob', nodeId: 'n2', workerIndex: 1, joinedAt: 1_700_000_000_001 },
    },
    producers: {
      [CAM]: {
        producerId: CAM,
        participantId: 'alice',
        nodeId: 'n1',
        kind: 'video',
        source: 'camera',
        paused: false,
      },
    },
    pipes: { 'n1~n2': { a: 'n1', b: 'n2' } },
    piped: { [`${CAM}>n2`]: { producerId: CAM, from: 'n1', to: 'n2', consumers: ['bob'] } },
  };
}

function storeHolding(raw: string | null) {
  const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const log: RoomStoreLog = { warn: (fields, msg) => warnings.push({ fields, msg }) };
  const redis = { get: async (key: string) => (key === KEY ? raw : null) } as unknown as Redis;
  return { store: new RoomStore(redis, log), warnings };
}

describe('RoomStore reading a room back from Redis', () => {
  it('loads the document it saved', async () => {
    const { store, warnings } = storeHolding(JSON.stringify(standup()));
    expect(await store.load('acme', 'standup')).toEqual(standup());
    expect(warnings).toEqual([]);
  });

  it('loads an empty room', async () => {
    const { store } = storeHolding(JSON.stringify(emptyRoom('acme', 'standup')));
    expect(await store.load('acme', 'standup')).toEqual(emptyRoom('acme', 'standup'));
  });

  it('answers undefined, without a warning, when there is no document', async () => {
    const { store, warnings } = storeHolding(null);
    expect(await store.load('acme', 'standup')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  const broken = (change: (room: Record<string, unknown>) => void) => {
    const room = standup() as unknown as Record<string, unknown>;
    change(room);
    return JSON.stringify(room);
  };

  it.each([
    ['text that is not JSON', '{"tenantId":"acme",', undefined],
    ['JSON that is not an object', '[]', ''],
    ['a document without participants', broken((r) => delete r['participants']), 'participants'],
    [
      'a participant without a node',
      broken(
        (r) =>
          delete (r['participants'] as Record<string, Record<string, unknown>>)['alice']!['nodeId'],
      ),
      'participants.alice.nodeId',
    ],
    [
      'a producer of an unknown kind',
      broken(
        (r) =>
          ((r['producers'] as Record<string, Record<string, unknown>>)[CAM]!['kind'] = 'smell'),
      ),
      `producers.${CAM}.kind`,
    ],
    [
      'a pipe with one end',
      broken((r) => (r['pipes'] = { 'n1~n2': { a: 'n1' } })),
      'pipes.n1~n2.b',
    ],
    [
      'a piped copy whose consumers are not a list',
      broken(
        (r) =>
          ((r['piped'] as Record<string, Record<string, unknown>>)[`${CAM}>n2`]!['consumers'] =
            'bob'),
      ),
      `piped.${CAM}>n2.consumers`,
    ],
  ])('treats %s as missing, and logs the key and what is wrong', async (_n, raw, path) => {
    const { store, warnings } = storeHolding(raw);
    expect(await store.load('acme', 'standup')).toBeUndefined();
    expect(warnings).toEqual([
      {
        fields:
          path === undefined
            ? { key: KEY, error: expect.stringMatching(/JSON/) }
            : { key: KEY, issues: expect.arrayContaining([expect.objectContaining({ path })]) },
        msg: expect.stringMatching(/treated as missing/),
      },
    ]);
  });

  it('treats a document of another room under this key as missing', async () => {
    const { store, warnings } = storeHolding(JSON.stringify(emptyRoom('acme', 'retro')));
    expect(await store.load('acme', 'standup')).toBeUndefined();
    expect(warnings).toEqual([
      { fields: expect.objectContaining({ key: KEY, roomId: 'retro' }), msg: expect.any(String) },
    ]);
  });
});
