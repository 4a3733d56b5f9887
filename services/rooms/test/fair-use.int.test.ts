import { wireJson } from '@cascade/contracts';
import { type Subscription } from '@nats-io/transport-node';

import { type Client, uid, useRoomsApp, waitFor } from './support/harness';

const json = wireJson;

describe('fair use: places per user and the tenant’s room capacity', () => {
  const rooms = useRoomsApp({ ROOMS_SEATS_PER_USER: '2' });
  let tenant: string;
  let owner: Client;

  beforeEach(() => {
    tenant = uid('tenant');
    owner = rooms().client(tenant, uid('owner'));
  });

  const authorize = (roomId: string, userId: string, participantId = uid('p')) =>
    rooms().request(rooms().subjects.roomsAuthorizeJoin(), {
      tenantId: tenant,
      roomId,
      userId,
      participantId,
    });

  describe('one user holds at most ROOMS_SEATS_PER_USER places in a room', () => {
    it('refuses a third tab of one user with LIMIT_EXCEEDED, while others still join', async () => {
      const room = await owner.createRoom({ capacity: 10 });
      const hog = uid('hog');
      expect((await authorize(room.id, hog, 'tab-1')).ok).toBe(true);
      expect((await authorize(room.id, hog, 'tab-2')).ok).toBe(true);
      const third = await authorize(room.id, hog, 'tab-3');
      expect(third.error).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        details: { limit: 'seatsPerUser', max: 2 },
      });
      // A participant the user holds already is asked about again: no new place, no refusal.
      expect((await authorize(room.id, hog, 'tab-1')).ok).toBe(true);
      expect((await authorize(room.id, uid('someone-else'))).ok).toBe(true);
      // Another room is another count.
      const other = await owner.createRoom();
      expect((await authorize(other.id, hog)).ok).toBe(true);
    });

    it('lets exactly two of ten concurrent joins of one user in, whichever gateway asks', async () => {
      const room = await owner.createRoom({ capacity: 50 });
      const hog = uid('hog');
      const replies = await Promise.all(Array.from({ length: 10 }, () => authorize(room.id, hog)));
      expect(replies.filter((r) => r.ok)).toHaveLength(2);
      for (const r of replies.filter((r) => !r.ok)) expect(r.error.code).toBe('LIMIT_EXCEEDED');
    });

    it('gives a place back when its participant leaves or its hold expires', async () => {
      const room = await owner.createRoom({ capacity: 10 });
      const hog = uid('hog');
      await authorize(room.id, hog, 'tab-a');
      await authorize(room.id, hog, 'tab-b');
      rooms().presence({
        type: 'participant.joined',
        tenantId: tenant,
        roomId: room.id,
        userId: hog,
        participantId: 'tab-a',
      });
      rooms().presence({
        type: 'participant.left',
        tenantId: tenant,
        roomId: room.id,
        userId: hog,
        participantId: 'tab-a',
        reason: 'left',
      });
      await waitFor('the left tab’s place to be given back', async () =>
        (await authorize(room.id, hog, 'tab-c')).ok ? true : undefined,
      );
      expect((await authorize(room.id, hog, 'tab-d')).error.code).toBe('LIMIT_EXCEEDED');
      await rooms().db.query(
        "UPDATE room_participants SET held_until = now() - interval '1 second' WHERE room_id = $1 AND participant_id = 'tab-b'",
        [room.id],
      );
      expect((await authorize(room.id, hog, 'tab-d')).ok).toBe(true);
    });
  });

  describe('the tenant’s maxRoomCapacity, as identity tells it', () => {
    let identity: Subscription;
    const asked: string[] = [];

    /** Stands in for identity: tenant `small-*` may have rooms of 8, any other is unknown. */
    beforeAll(() => {
      identity = rooms().nats.subscribe(rooms().subjects.identityTenantSettings());
      void (async () => {
        for await (const msg of identity) {
          const { tenantId } = json.decode(msg.data) as { tenantId: string };
          asked.push(tenantId);
          msg.respond(
            json.encode(
              tenantId.startsWith('small')
                ? {
                    ok: true,
                    data: { maxRoomCapacity: 8, allowedOrigins: [], chatRetentionDays: null },
                  }
                : { ok: false, error: { code: 'NOT_FOUND', message: 'tenant not found' } },
            ),
          );
        }
      })();
    });
    afterAll(() => identity.unsubscribe());

    it('refuses to create or grow a room beyond it, naming the limit', async () => {
      const small = rooms().client(uid('small'), uid('owner'));
      const tooBig = await small.post('/rooms', { title: 'Big', language: 'en', capacity: 9 });
      expect(tooBig.status).toBe(400);
      expect(tooBig.body).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('maxRoomCapacity'),
        details: { limit: 'maxRoomCapacity', max: 8 },
      });
      const room = await small.createRoom({ capacity: 8 });
      expect(room.capacity).toBe(8);
      const grow = await small.patch(`/rooms/${room.id}`, { capacity: 9 });
      expect(grow.status).toBe(400);
      expect(grow.body.details).toMatchObject({ limit: 'maxRoomCapacity', max: 8 });
      expect((await small.patch(`/rooms/${room.id}`, { capacity: 4 })).status).toBe(200);
      // Without a capacity, a room gets the default within the tenant's limit.
      expect((await small.createRoom()).capacity).toBe(8);
      expect(asked).toContain(small.tenantId);
    });

    it('applies only the deployment’s ceiling when identity does not know the tenant', async () => {
      const room = await owner.createRoom({ capacity: 40 });
      expect(room.capacity).toBe(40);
      expect(asked).toContain(tenant);
    });
  });
});
