import type { Redis } from 'ioredis';

import { keys } from './keys';
import { type StoredDocumentLog, SessionStore, readStoredJson } from './session-store';
import { ParticipantInfo } from '@cascade/contracts';

/** Hashes in memory, answering the reads the store makes; enough for what is read back. */
function fakeRedis(hashes: Record<string, Record<string, string>>): Redis {
  return {
    options: { keyPrefix: '' },
    hgetall: async (key: string) => ({ ...(hashes[key] ?? {}) }),
    hvals: async (key: string) => Object.values(hashes[key] ?? {}),
  } as unknown as Redis;
}

function recordingLog() {
  const warnings: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const log: StoredDocumentLog = { warn: (fields, msg) => warnings.push({ fields, msg }) };
  return { log, warnings };
}

const ref = { tenantId: 'acme', roomId: 'standup', participantId: 'p_1' };

/** A session's hash as `create` writes it, with one transport, producer and consumer. */
function sessionHash(over: Record<string, string> = {}): Record<string, string> {
  return {
    tenantId: 'acme',
    roomId: 'standup',
    participantId: 'p_1',
    userId: 'u_1',
    displayName: 'Alice',
    grants: JSON.stringify({
      room: 'standup',
      join: true,
      publish: true,
      subscribe: true,
      admin: false,
    }),
    joinedAt: '1700000000000',
    nodeId: 'n1',
    workerIndex: '0',
    rtpCapabilities: JSON.stringify({ codecs: [], headerExtensions: [] }),
    resumeHash: 'hash-1',
    socketId: 'sock-1',
    instanceId: 'gw-1',
    state: 'connected',
    't:t1': 'send',
    'p:pr1': '1',
    'c:c1': 'pr9',
    ...over,
  };
}

function storeWith(hash: Record<string, string>) {
  const { log, warnings } = recordingLog();
  const store = new SessionStore(fakeRedis({ [keys.session(ref)]: hash }), 'gw-1', log);
  return { store, warnings };
}

describe('SessionStore reading sessions back from Redis', () => {
  it('reads a well-formed session with its media records', async () => {
    const { store, warnings } = storeWith(sessionHash());
    expect(await store.get(ref)).toEqual({
      tenantId: 'acme',
      roomId: 'standup',
      participantId: 'p_1',
      userId: 'u_1',
      displayName: 'Alice',
      grants: { room: 'standup', join: true, publish: true, subscribe: true, admin: false },
      joinedAt: 1_700_000_000_000,
      nodeId: 'n1',
      workerIndex: 0,
      rtpCapabilities: { codecs: [], headerExtensions: [] },
      resumeHash: 'hash-1',
      socketId: 'sock-1',
      instanceId: 'gw-1',
      state: 'connected',
      transports: [{ transportId: 't1', direction: 'send' }],
      producerIds: ['pr1'],
      consumers: [{ consumerId: 'c1', producerId: 'pr9' }],
    });
    expect(warnings).toEqual([]);
  });

  it('answers undefined, without a warning, for a session that is not there', async () => {
    const { log, warnings } = recordingLog();
    const store = new SessionStore(fakeRedis({}), 'gw-1', log);
    expect(await store.get(ref)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it.each([
    ['grants that are not JSON', { grants: '{"room":' }, 'grants'],
    ['grants of the wrong shape', { grants: JSON.stringify({ room: 'standup' }) }, 'grants.join'],
    ['RTP capabilities that are not JSON', { rtpCapabilities: 'nope' }, 'rtpCapabilities'],
    [
      'RTP capabilities of the wrong shape',
      { rtpCapabilities: JSON.stringify({ codecs: 'all' }) },
      'rtpCapabilities.codecs',
    ],
    ['a worker index that is not a number', { workerIndex: 'first' }, 'workerIndex'],
    ['a join time that is not a number', { joinedAt: 'yesterday' }, 'joinedAt'],
    ['an unknown state', { state: 'zombie' }, 'state'],
    ['a tenant id that is not an id', { tenantId: 'a:b' }, 'tenantId'],
  ])('treats a session with %s as missing, and logs its key and field', async (_n, over, path) => {
    const { store, warnings } = storeWith(sessionHash(over));
    expect(await store.get(ref)).toBeUndefined();
    expect(warnings).toEqual([
      {
        fields: {
          key: keys.session(ref),
          issues: expect.arrayContaining([expect.objectContaining({ path })]),
        },
        msg: expect.stringMatching(/invalid; treated as missing/),
      },
    ]);
  });

  it('treats a hash without the session fields (only late media records) as missing', async () => {
    const { store, warnings } = storeWith({ 'c:c-late': 'pr1' });
    expect(await store.get(ref)).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('leaves out a transport record without a direction, keeping the session', async () => {
    const { store, warnings } = storeWith(sessionHash({ 't:t2': 'sideways' }));
    expect((await store.get(ref))?.transports).toEqual([{ transportId: 't1', direction: 'send' }]);
    expect(warnings).toEqual([
      { fields: { key: keys.session(ref), field: 't:t2' }, msg: expect.any(String) },
    ]);
  });

  it('leaves a bad roster entry out of the room roster, logged, and keeps the others', async () => {
    const roster = keys.roster('acme', 'standup');
    const { log, warnings } = recordingLog();
    const bob = { participantId: 'p_2', userId: 'u_2', displayName: 'Bob', joinedAt: 2 };
    const alice = { participantId: 'p_1', userId: 'u_1', displayName: 'Alice', joinedAt: 1 };
    const store = new SessionStore(
      fakeRedis({
        [roster]: {
          p_2: JSON.stringify(bob),
          p_3: '{not json',
          p_4: JSON.stringify({ participantId: 'p_4' }),
          p_1: JSON.stringify(alice),
        },
      }),
      'gw-1',
      log,
    );
    expect(await store.roster('acme', 'standup')).toEqual([alice, bob]);
    expect(warnings.map((w) => w.fields['key'])).toEqual([roster, roster]);
  });
});

describe('readStoredJson', () => {
  const { log, warnings } = recordingLog();
  afterEach(() => warnings.splice(0));

  it('answers the parsed value when it matches the schema', () => {
    const info = { participantId: 'p_1', userId: 'u_1', displayName: 'Alice', joinedAt: 1 };
    expect(readStoredJson(ParticipantInfo, JSON.stringify(info), 'k', log)).toEqual(info);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['not JSON', '{', ''],
    ['JSON null', 'null', ''],
    ['a field of the wrong type', JSON.stringify({ participantId: 1 }), 'participantId'],
  ])('answers undefined for %s and says why', (_n, raw, path) => {
    expect(readStoredJson(ParticipantInfo, raw, 'the-key', log)).toBeUndefined();
    expect(warnings).toEqual([
      {
        fields: {
          key: 'the-key',
          issues: expect.arrayContaining([expect.objectContaining({ path })]),
        },
        msg: expect.any(String),
      },
    ]);
  });
});
