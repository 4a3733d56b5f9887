import { randomUUID } from 'node:crypto';

import { eventually, useInfrastructure } from '@cascade/testing';
import { Redis } from 'ioredis';

import { keys } from '../src/sessions/keys';
import { RoomMedia } from '../src/sessions/room-media';
import { type NewSession, SessionStore } from '../src/sessions/session-store';
import { createSession } from './support/sessions';

/**
 * The session store's atomic steps against a real Redis, as two gateway instances (two stores
 * with their own instance ids) race for the same sessions.
 */
const infra = useInfrastructure({ redis: true });
let redis: Redis;
let one: SessionStore;
let two: SessionStore;
let media: RoomMedia;
let seq = 0;

beforeAll(async () => {
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: infra().env['REDIS_KEY_PREFIX'] });
  one = new SessionStore(redis, 'gw-one');
  two = new SessionStore(redis, 'gw-two');
  media = new RoomMedia(redis);
});

afterAll(() => redis?.disconnect());

/** A fresh session (own room) created by `store`, held by socket `socketId`. */
const session = (store: SessionStore, socketId?: string): Promise<NewSession> =>
  createSession(store, socketId === undefined ? {} : { socketId });

describe('session store', () => {
  it('keeps a session with its media, and the room roster', async () => {
    const s = await session(one);
    await one.record(s, 'transport', 't1', 'send');
    await one.record(s, 'producer', 'pr1');
    await one.record(s, 'consumer', 'c1', 'pr9');
    expect(await one.get(s)).toMatchObject({
      participantId: s.participantId,
      instanceId: 'gw-one',
      state: 'connected',
      transports: [{ transportId: 't1', direction: 'send' }],
      producerIds: ['pr1'],
      consumers: [{ consumerId: 'c1', producerId: 'pr9' }],
    });
    expect(await one.roster(s.tenantId, s.roomId)).toEqual([
      {
        participantId: s.participantId,
        userId: s.userId,
        displayName: 'Someone',
        joinedAt: s.joinedAt,
      },
    ]);
    expect(await one.resolveResume(s.resumeHash)).toEqual({
      tenantId: s.tenantId,
      roomId: s.roomId,
      participantId: s.participantId,
    });
  });

  it('records a drop only from the socket that holds the session', async () => {
    const s = await session(one, 'holder');
    expect(await one.markDisconnected(s, 'someone-else', 5_000)).toBe(false);
    expect(await one.markDisconnected(s, 'holder', 5_000)).toBe(true);
    expect((await one.get(s))?.state).toBe('disconnected');
  });

  it('lets a resume take a dropped session on another instance, once', async () => {
    const s = await session(one, 'old');
    await one.markDisconnected(s, 'old', Date.now() + 10_000);
    const claim = await two.claimForResume(s, 'new');
    expect(claim).toMatchObject({ outcome: 'taken', previousSocketId: undefined });
    expect(await two.get(s)).toMatchObject({
      state: 'connected',
      socketId: 'new',
      instanceId: 'gw-two',
    });
    // The expiry set no longer holds it: the sweeper cannot end it.
    expect(await one.claimExpired(Date.now() + 60_000)).not.toContainEqual(
      expect.objectContaining({ participantId: s.participantId }),
    );
    // The old socket's late drop changes nothing.
    expect(await one.markDisconnected(s, 'old', 0)).toBe(false);
  });

  it('takes a session from a socket that still holds it, naming that socket', async () => {
    const s = await session(one, 'still-here');
    expect(await two.claimForResume(s, 'newcomer')).toMatchObject({
      outcome: 'taken',
      previousSocketId: 'still-here',
    });
  });

  it('refuses a resume once the sweeper claimed the session', async () => {
    const s = await session(one, 'x');
    await one.markDisconnected(s, 'x', 1);
    // Other tests' expired sessions may be due too: a limit that takes them all.
    const claimed = await two.claimExpired(Date.now(), 10_000);
    expect(claimed).toContainEqual({
      tenantId: s.tenantId,
      roomId: s.roomId,
      participantId: s.participantId,
    });
    expect(await one.claimForResume(s, 'late')).toEqual({ outcome: 'expired' });
  });

  it('gives each expired session to exactly one of the instances sweeping at once', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, () => session(one)));
    for (const s of sessions) await one.markDisconnected(s, s.socketId, 1);
    const [a, b] = await Promise.all([
      one.claimExpired(Date.now(), 1_000),
      two.claimExpired(Date.now(), 1_000),
    ]);
    const mine = new Set(sessions.map((s) => s.participantId));
    const claimed = [...a, ...b].map((r) => r.participantId).filter((p) => mine.has(p));
    expect(claimed.sort()).toEqual([...mine].sort());
  });

  it('ends a session exactly once, and forgets its resume token and roster entry', async () => {
    const s = await session(one);
    const [first, second] = await Promise.all([one.remove(s), two.remove(s)]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await one.get(s)).toBeUndefined();
    expect(await one.resolveResume(s.resumeHash)).toBeUndefined();
    expect(await one.roster(s.tenantId, s.roomId)).toEqual([]);
    // Late bookkeeping does not bring it back.
    expect(await one.record(s, 'consumer', 'c-late', 'p')).toBe(false);
    expect(await one.get(s)).toBeUndefined();
  });

  it('rotates the resume token, the old one working a moment longer', async () => {
    const s = await session(one);
    const newHash = `hash-new-${s.participantId}`;
    expect(await one.rotateResume(s, newHash, s.resumeHash, 200)).toBe(true);
    expect(await one.resolveResume(newHash)).toBeDefined();
    expect(await one.resolveResume(s.resumeHash)).toBeDefined();
    // The old token lives at most the overlap; the new one does not expire.
    const ttl = await redis.pttl(keys.resume(s.resumeHash));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    expect(await redis.pttl(keys.resume(newHash))).toBe(-1);
    await eventually(
      'the old resume token to stop working',
      async () => (await one.resolveResume(s.resumeHash)) ?? 'gone',
      (ref) => ref === 'gone',
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(await one.resolveResume(newHash)).toBeDefined();
  });

  it('starts the grace period of the sessions a dead instance held', async () => {
    const dead = new SessionStore(redis, `gw-dead-${seq}`);
    const now = Date.now();
    await dead.heartbeat(now - 20_000);
    const held = await session(dead, 'sock-1');
    const dropped = await session(dead, 'sock-2');
    await dead.markDisconnected(dropped, 'sock-2', now + 999_999);
    await one.heartbeat(now);

    expect(await one.adoptOrphans(now, 10_000, 3_000)).toBe(1);
    expect((await one.get(held))?.state).toBe('disconnected');
    expect(await one.claimExpired(now + 2_000, 10_000)).not.toContainEqual(
      expect.objectContaining(held),
    );
    expect(await one.claimExpired(now + 3_000, 10_000)).toContainEqual({
      tenantId: held.tenantId,
      roomId: held.roomId,
      participantId: held.participantId,
    });
  });

  it('lets an instance taken for dead take back the sessions its sockets still hold', async () => {
    const slow = new SessionStore(redis, `gw-slow-${seq}`);
    const now = Date.now();
    expect(await slow.heartbeat(now - 20_000)).toBe(true);
    const s = await session(slow, 'alive');
    await one.adoptOrphans(now, 10_000, 3_000);
    expect((await slow.get(s))?.state).toBe('disconnected');
    expect(await slow.heartbeat(now)).toBe(true); // it had been removed: re-registered
    expect(await slow.reclaim(s, 'alive')).toBe(true);
    expect((await slow.get(s))?.state).toBe('connected');
    expect(await one.claimExpired(now + 60_000, 10_000)).not.toContainEqual(
      expect.objectContaining(s),
    );
    // Gone for good, so that no later test finds it dead with a session to adopt.
    await slow.deregister();
  });

  it('places again: forgets the old media and answers the producers it had', async () => {
    const s = await session(one);
    await one.record(s, 'transport', 't1', 'recv');
    await one.record(s, 'producer', 'pr1');
    const forgotten = await one.replacePlacement(s, {
      nodeId: 'n2',
      workerIndex: 1,
      rtpCapabilities: { codecs: [] },
    });
    expect(forgotten).toEqual(['pr1']);
    expect(await one.get(s)).toMatchObject({
      nodeId: 'n2',
      workerIndex: 1,
      transports: [],
      producerIds: [],
    });
  });
});

describe('room media', () => {
  /** Producer ids as the nodes make them (media object ids are UUIDs). */
  const ids = {
    x1: randomUUID(),
    a1: randomUUID(),
    a2: randomUUID(),
    a3: randomUUID(),
    a4: randomUUID(),
    unknown: randomUUID(),
  };
  const producer = (participantId: string, producerId: string) => ({
    producerId,
    participantId,
    kind: 'audio' as const,
    source: 'microphone' as const,
    paused: false,
  });

  it('registers producers only of participants in the room, and removes each once', async () => {
    const s = await session(one);
    expect(await media.addProducer(s.tenantId, s.roomId, producer('p_stranger', ids.x1))).toBe(
      false,
    );
    expect(await media.addProducer(s.tenantId, s.roomId, producer(s.participantId, ids.a1))).toBe(
      true,
    );
    expect(await media.producers(s.tenantId, s.roomId)).toEqual([
      producer(s.participantId, ids.a1),
    ]);
    const [first, second] = await Promise.all([
      media.removeProducers(s.tenantId, s.roomId, [ids.a1]),
      media.removeProducers(s.tenantId, s.roomId, [ids.a1]),
    ]);
    expect([...first, ...second]).toEqual([producer(s.participantId, ids.a1)]);
  });

  it('announces a pause or resume only when it changes something', async () => {
    const s = await session(one);
    await media.addProducer(s.tenantId, s.roomId, producer(s.participantId, ids.a2));
    expect(await media.setPaused(s.tenantId, s.roomId, ids.a2, true)).toBe(true);
    expect(await media.setPaused(s.tenantId, s.roomId, ids.a2, true)).toBe(false);
    expect((await media.producer(s.tenantId, s.roomId, ids.a2))?.paused).toBe(true);
    expect(await media.setPaused(s.tenantId, s.roomId, ids.a2, false)).toBe(true);
    expect(await media.setPaused(s.tenantId, s.roomId, ids.unknown, false)).toBe(false);
  });

  it('tells a new active speaker from a repeated one', async () => {
    const room = `talk-${++seq}`;
    expect(await media.swapSpeaker('acme', room, 'p1/a')).toBe(true);
    expect(await media.swapSpeaker('acme', room, 'p1/a')).toBe(false);
    expect(await media.swapSpeaker('acme', room, 'p2/b')).toBe(true);
    expect(await media.swapSpeaker('globex', room, 'p2/b')).toBe(true);
  });

  it('treats what is not a producer in the room’s hash as missing, and keeps the rest', async () => {
    const s = await session(one);
    await media.addProducer(s.tenantId, s.roomId, producer(s.participantId, ids.a4));
    const key = keys.producers(s.tenantId, s.roomId);
    await redis.hset(key, 'garbled', '{"producerId":', 'shapeless', JSON.stringify({ kind: 1 }));
    expect(await media.producers(s.tenantId, s.roomId)).toEqual([
      producer(s.participantId, ids.a4),
    ]);
    expect(await media.producer(s.tenantId, s.roomId, 'garbled')).toBeUndefined();
    await redis.hset(keys.session(s), 'grants', 'not json');
    expect(await one.get(s)).toBeUndefined();
  });

  it('forgets a room’s media when its last participant leaves', async () => {
    const s = await session(one);
    await media.addProducer(s.tenantId, s.roomId, producer(s.participantId, ids.a3));
    await media.swapSpeaker(s.tenantId, s.roomId, `${s.participantId}/${ids.a3}`);
    await one.remove(s);
    expect(await media.producers(s.tenantId, s.roomId)).toEqual([]);
    expect(await media.swapSpeaker(s.tenantId, s.roomId, `${s.participantId}/${ids.a3}`)).toBe(
      true,
    );
  });
});
