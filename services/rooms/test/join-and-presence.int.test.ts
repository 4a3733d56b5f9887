import { PG_POOL } from '@cascade/server-kit';
import type { Pool, PoolClient } from 'pg';

import { type Client, uid, useRoomsApp, waitFor } from './support/harness';

describe('join authorization and presence over NATS', () => {
  const rooms = useRoomsApp();
  let tenant: string;
  let owner: Client;

  beforeEach(() => {
    tenant = uid('tenant');
    owner = rooms().client(tenant, uid('owner'));
  });

  const authorize = (roomId: string, userId: string, participantId = uid('p'), tenantId = tenant) =>
    rooms().request(rooms().subjects.roomsAuthorizeJoin(), {
      tenantId,
      roomId,
      userId,
      participantId,
    });

  const activity = (
    type: string,
    roomId: string,
    userId: string,
    participantId: string,
    extra = {},
  ) =>
    rooms().publish(rooms().subjects.roomActivity(tenant, roomId), {
      type,
      tenantId: tenant,
      roomId,
      userId,
      participantId,
      at: new Date().toISOString(),
      ...extra,
    });

  const participants = async (roomId: string) =>
    (
      (await owner.get(`/rooms/${roomId}/participants`)).body.participants as Array<{
        participantId: string;
      }>
    ).map((p) => p.participantId);

  it('grants a place in a public room and tells the caller what it holds', async () => {
    const room = await owner.createRoom({ capacity: 5 });
    const guest = uid('guest');
    const reply = await authorize(room.id, guest, 'p-1');
    expect(reply).toEqual({
      ok: true,
      data: expect.objectContaining({
        roomId: room.id,
        participantId: 'p-1',
        capacity: 5,
        occupied: 1,
        role: null,
        visibility: 'public',
        seatHeldUntil: expect.any(String),
      }),
    });
    // Asking again for the same participant takes no second place.
    expect((await authorize(room.id, guest, 'p-1')).data.occupied).toBe(1);
    expect((await authorize(room.id, guest, 'p-2')).data.occupied).toBe(2);
    // Another user cannot take over a participant id.
    expect((await authorize(room.id, uid('thief'), 'p-1')).error.code).toBe('CONFLICT');
  });

  it('answers NOT_FOUND for an unknown room, another tenant’s room and a closed room', async () => {
    const room = await owner.createRoom();
    expect((await authorize('no-such-room', 'u')).error.code).toBe('NOT_FOUND');
    expect((await authorize(room.id, 'u', uid('p'), uid('other'))).error.code).toBe('NOT_FOUND');
    await owner.post(`/rooms/${room.id}/close`);
    expect((await authorize(room.id, 'u')).error.code).toBe('NOT_FOUND');
  });

  it('answers FORBIDDEN for a private room without membership or invitation, and for a ban', async () => {
    const priv = await owner.createRoom({ visibility: 'private' });
    const outsider = uid('outsider');
    expect((await authorize(priv.id, outsider)).error.code).toBe('FORBIDDEN');
    await owner.put(`/rooms/${priv.id}/members/${outsider}`, { role: 'member' });
    expect((await authorize(priv.id, outsider)).ok).toBe(true);
    expect((await authorize(priv.id, owner.userId)).data.role).toBe('owner');

    const pub = await owner.createRoom();
    const troll = uid('troll');
    await owner.post(`/rooms/${pub.id}/bans`, { userId: troll });
    const banned = await authorize(pub.id, troll);
    expect(banned.error).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/banned/),
    });
  });

  it('answers INVALID_ARGUMENT for a malformed request, with field paths', async () => {
    const reply = await rooms().request(rooms().subjects.roomsAuthorizeJoin(), {
      tenantId: tenant,
      roomId: 'r',
      userId: 'has space',
      extra: 1,
    });
    expect(reply.error.code).toBe('INVALID_ARGUMENT');
    const paths = reply.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['userId', 'participantId']));
  });

  it('gives the last place to exactly one of 20 concurrent joins', async () => {
    const room = await owner.createRoom({ capacity: 3 });
    await authorize(room.id, uid('u'));
    await authorize(room.id, uid('u'));
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => authorize(room.id, uid('racer'))),
    );
    expect(replies.filter((r) => r.ok)).toHaveLength(1);
    const refused = replies.filter((r) => !r.ok);
    expect(refused).toHaveLength(19);
    for (const r of refused) expect(r.error.code).toBe('ROOM_FULL');
    const held = await rooms().db.query(
      "SELECT count(*)::int AS n FROM room_participants WHERE room_id = $1 AND state = 'reserved'",
      [room.id],
    );
    expect(held.rows[0].n).toBe(3);
  });

  it('asks each database connection one query at a time, a join’s transaction included', async () => {
    // node-postgres queues a query asked of a client while another runs on it, and warns of it
    // once per process (a DeprecationWarning; pg 9 will refuse it): count, per client of the
    // service's pool, the queries asked and not yet answered.
    const pool = rooms().app.get<Pool>(PG_POOL);
    const inFlight = new Map<PoolClient, number>();
    let most = 0;
    const originals = new Map<PoolClient, PoolClient['query']>();
    const watch = (client: PoolClient) => {
      if (originals.has(client)) return;
      const query = client.query;
      originals.set(client, query);
      client.query = function (this: PoolClient, ...args: unknown[]) {
        const n = (inFlight.get(client) ?? 0) + 1;
        inFlight.set(client, n);
        most = Math.max(most, n);
        const done = () => inFlight.set(client, inFlight.get(client)! - 1);
        const last = args.length - 1;
        const callback = args[last];
        if (typeof callback === 'function')
          args[last] = (...answer: unknown[]) => {
            done();
            return (callback as (...a: unknown[]) => unknown)(...answer);
          };
        const result = (query as (...a: unknown[]) => unknown).apply(this, args);
        if (result instanceof Promise) void result.then(done, done);
        return result;
      } as PoolClient['query'];
    };
    pool.on('acquire', watch);
    try {
      const room = await owner.createRoom({ capacity: 10 });
      const replies = await Promise.all(
        Array.from({ length: 4 }, () => authorize(room.id, uid('u'))),
      );
      expect(replies.every((r) => r.ok)).toBe(true);
    } finally {
      pool.off('acquire', watch);
      for (const [client, query] of originals) client.query = query;
    }
    expect(originals.size).toBeGreaterThan(0);
    expect(most).toBe(1);
  });

  it('frees a held seat whose participant never arrives once the hold expires', async () => {
    const room = await owner.createRoom({ capacity: 2 });
    await authorize(room.id, uid('u'), 'ghost');
    await authorize(room.id, uid('u'));
    expect((await authorize(room.id, uid('u'))).error.code).toBe('ROOM_FULL');
    await rooms().db.query(
      "UPDATE room_participants SET held_until = now() - interval '1 second' WHERE participant_id = 'ghost'",
    );
    expect((await authorize(room.id, uid('u'))).ok).toBe(true);
  });

  it('records presence from join and leave events, once each, whatever repeats', async () => {
    const room = await owner.createRoom({ capacity: 2 });
    const user = uid('u');
    await authorize(room.id, user, 'p-a');
    activity('participant.joined', room.id, user, 'p-a');
    activity('participant.joined', room.id, user, 'p-a');
    activity('participant.joined', room.id, uid('u'), 'p-b'); // joined without asking first
    await waitFor('both present', async () =>
      (await participants(room.id)).length === 2 ? true : undefined,
    );
    expect((await participants(room.id)).sort()).toEqual(['p-a', 'p-b']);
    expect((await owner.get(`/rooms/${room.id}`)).body.participantCount).toBe(2);
    expect((await authorize(room.id, uid('u'))).error.code).toBe('ROOM_FULL');

    activity('participant.left', room.id, user, 'p-a', { reason: 'left' });
    activity('participant.left', room.id, user, 'p-a', { reason: 'left' });
    await waitFor('p-a gone', async () =>
      (await participants(room.id)).length === 1 ? true : undefined,
    );
    // A late duplicate of the join changes nothing: p-a stays gone.
    activity('participant.joined', room.id, user, 'p-a');
    activity('participant.joined', room.id, uid('u'), 'p-marker');
    await waitFor('marker present', async () =>
      (await participants(room.id)).includes('p-marker') ? true : undefined,
    );
    expect((await participants(room.id)).sort()).toEqual(['p-b', 'p-marker']);
  });

  it('ignores events that break the contract or name another tenant’s room', async () => {
    const room = await owner.createRoom();
    rooms().publish(rooms().subjects.roomActivity(tenant, room.id), { type: 'participant.joined' });
    rooms().publish(rooms().subjects.roomActivity(uid('other'), room.id), {
      type: 'participant.joined',
      tenantId: tenant,
      roomId: room.id,
      userId: 'x',
      participantId: 'sneaky',
      at: new Date().toISOString(),
    });
    activity('participant.joined', room.id, uid('u'), 'p-real');
    await waitFor('real participant present', async () =>
      (await participants(room.id)).includes('p-real') ? true : undefined,
    );
    expect(await participants(room.id)).toEqual(['p-real']);
  });

  it('answers the presence query with each user’s room, within the tenant only', async () => {
    const room = await owner.createRoom({ title: 'Where friends are' });
    const [inRoom, away] = [uid('u'), uid('u')];
    activity('participant.joined', room.id, inRoom, uid('p'));
    await waitFor('present', async () =>
      (await participants(room.id)).length === 1 ? true : undefined,
    );
    const reply = await rooms().request(rooms().subjects.roomsPresenceQuery(), {
      tenantId: tenant,
      userIds: [inRoom, away],
    });
    expect(reply).toEqual({
      ok: true,
      data: {
        presence: [
          {
            userId: inRoom,
            roomId: room.id,
            roomTitle: 'Where friends are',
            roomVisibility: 'public',
          },
        ],
      },
    });
    const elsewhere = await rooms().request(rooms().subjects.roomsPresenceQuery(), {
      tenantId: uid('other'),
      userIds: [inRoom],
    });
    expect(elsewhere.data.presence).toEqual([]);
    const tooMany = await rooms().request(rooms().subjects.roomsPresenceQuery(), {
      tenantId: tenant,
      userIds: Array.from({ length: 501 }, (_, i) => `u${i}`),
    });
    expect(tooMany.error.code).toBe('INVALID_ARGUMENT');
  });

  it('shows participants of visible rooms only: 404 for another tenant or a hidden private room', async () => {
    const priv = await owner.createRoom({ visibility: 'private' });
    expect((await rooms().client(uid('t'), 'x').get(`/rooms/${priv.id}/participants`)).status).toBe(
      404,
    );
    expect(
      (await rooms().client(tenant, uid('x')).get(`/rooms/${priv.id}/participants`)).status,
    ).toBe(404);
    expect((await owner.get(`/rooms/${priv.id}/participants`)).body).toEqual({ participants: [] });
  });
});
