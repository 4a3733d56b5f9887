import { wireJson } from '@cascade/contracts';
import type { Subscription } from '@nats-io/transport-node';

import { type Client, type Json, uid, useRoomsApp, waitFor } from './support/harness';

const json = {
  encode: wireJson.encode,
  decode: (data: Uint8Array) => wireJson.decode(data) as Json,
};

describe('invitations and chat history', () => {
  const rooms = useRoomsApp({ ROOMS_IDENTITY_TIMEOUT_MS: '500' });
  let tenant: string;
  let alice: Client;
  let bob: Client;
  let carol: Client;
  /** Friend pairs identity knows about, answered by a fake identity on real NATS. */
  const friendships = new Set<string>();
  let identityAnswers = true;
  let identity: Subscription;

  const befriend = (a: Client, b: Client) => {
    friendships.add(`${a.tenantId}/${a.userId}/${b.userId}`);
    friendships.add(`${a.tenantId}/${b.userId}/${a.userId}`);
  };

  beforeAll(() => {
    identity = rooms().nats.subscribe(rooms().subjects.identityFriendship(), {
      callback: (_err, msg) => {
        if (!identityAnswers) return;
        const q = json.decode(msg.data);
        const friends = q.otherUserIds.filter((o: string) =>
          friendships.has(`${q.tenantId}/${q.userId}/${o}`),
        );
        msg.respond(json.encode({ ok: true, data: { friends } }));
      },
    });
  });
  afterAll(() => identity.unsubscribe());

  beforeEach(() => {
    tenant = uid('tenant');
    alice = rooms().client(tenant, uid('alice'));
    bob = rooms().client(tenant, uid('bob'));
    carol = rooms().client(tenant, uid('carol'));
    identityAnswers = true;
    befriend(alice, bob);
  });

  /** Collects what arrives on one user's notification subject. */
  function inbox(user: Client) {
    const received: Json[] = [];
    const sub = rooms().nats.subscribe(rooms().subjects.userEvents(user.tenantId, user.userId), {
      callback: (_err, msg) => void received.push(json.decode(msg.data)),
    });
    return {
      received,
      next: (type: string) =>
        waitFor(`${type} for ${user.userId}`, async () => received.find((e) => e.type === type)),
      close: () => sub.unsubscribe(),
    };
  }

  const authorize = (roomId: string, userId: string) =>
    rooms().request(rooms().subjects.roomsAuthorizeJoin(), {
      tenantId: tenant,
      roomId,
      userId,
      participantId: uid('p'),
    });

  describe('invitations', () => {
    it('invites a friend into a private room, notifies them, and lets them in on accepting', async () => {
      const room = await alice.createRoom({ visibility: 'private', title: 'Secret club' });
      const bobInbox = inbox(bob);
      const aliceInbox = inbox(alice);
      await rooms().nats.flush();

      const created = await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        roomId: room.id,
        roomTitle: 'Secret club',
        inviterId: alice.userId,
        inviteeId: bob.userId,
        status: 'pending',
      });
      const notice = await bobInbox.next('invitation.created');
      expect(notice).toMatchObject({
        tenantId: tenant,
        userId: bob.userId,
        invitation: { id: created.body.id },
      });

      // The pending invitation already shows the room and opens it.
      expect((await bob.get(`/rooms/${room.id}`)).status).toBe(200);
      expect((await authorize(room.id, bob.userId)).ok).toBe(true);
      const mine = await bob.get('/invitations');
      expect(mine.body.invitations.map((i: { id: string }) => i.id)).toEqual([created.body.id]);
      const sent = await alice.get('/invitations?direction=sent&status=pending');
      expect(sent.body.invitations).toHaveLength(1);

      const accepted = await bob.post(`/invitations/${created.body.id}/accept`);
      expect(accepted.status).toBe(200);
      expect(accepted.body.status).toBe('accepted');
      expect((await bob.get(`/rooms/${room.id}`)).body.myRole).toBe('member');
      expect((await bob.get('/rooms')).body.rooms.map((r: { id: string }) => r.id)).toContain(
        room.id,
      );
      await aliceInbox.next('invitation.accepted');
      expect((await bob.post(`/invitations/${created.body.id}/accept`)).status).toBe(409);
      bobInbox.close();
      aliceInbox.close();
    });

    it('declines and revokes, telling the other side', async () => {
      const room = await alice.createRoom();
      const aliceInbox = inbox(alice);
      const bobInbox = inbox(bob);
      await rooms().nats.flush();
      const first = await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId });
      expect((await alice.post(`/invitations/${first.body.id}/decline`)).status).toBe(403);
      expect((await bob.post(`/invitations/${first.body.id}/decline`)).body.status).toBe(
        'declined',
      );
      await aliceInbox.next('invitation.declined');

      const second = await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId });
      expect(second.status).toBe(201);
      expect((await bob.delete(`/invitations/${second.body.id}`)).status).toBe(403);
      expect((await alice.delete(`/invitations/${second.body.id}`)).body.status).toBe('revoked');
      await bobInbox.next('invitation.revoked');
      expect((await bob.post(`/invitations/${second.body.id}/accept`)).status).toBe(409);
      aliceInbox.close();
      bobInbox.close();
    });

    it('expires: an expired invitation cannot be accepted and no longer opens the room', async () => {
      const room = await alice.createRoom({ visibility: 'private' });
      const inv = await alice.post(`/rooms/${room.id}/invitations`, {
        inviteeId: bob.userId,
        ttlSeconds: 60,
      });
      await rooms().db.query(
        "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1",
        [inv.body.id],
      );
      expect((await bob.get(`/invitations/${inv.body.id}`)).body.status).toBe('expired');
      expect((await bob.get('/invitations?status=expired')).body.invitations).toHaveLength(1);
      expect((await bob.get('/invitations?status=pending')).body.invitations).toHaveLength(0);
      const accept = await bob.post(`/invitations/${inv.body.id}/accept`);
      expect(accept.status).toBe(409);
      expect(accept.body.details).toEqual({ status: 'expired' });
      expect((await authorize(room.id, bob.userId)).error.code).toBe('FORBIDDEN');
      // A new invitation may follow an expired one.
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId })).status,
      ).toBe(201);
    });

    it('invites friends only, once at a time, not members, not banned users, not oneself', async () => {
      const room = await alice.createRoom();
      const before = await rooms().count('invitations');
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: carol.userId })).status,
      ).toBe(403);
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: alice.userId })).status,
      ).toBe(400);
      for (const body of [
        {},
        { inviteeId: 7 },
        { inviteeId: 'a b' },
        { inviteeId: bob.userId, x: 1 },
        { inviteeId: bob.userId, ttlSeconds: 1 },
      ]) {
        expect((await alice.post(`/rooms/${room.id}/invitations`, body)).status).toBe(400);
      }
      expect(await rooms().count('invitations')).toBe(before);

      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId })).status,
      ).toBe(201);
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId })).status,
      ).toBe(409);

      befriend(alice, carol);
      await alice.post(`/rooms/${room.id}/bans`, { userId: carol.userId });
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: carol.userId })).status,
      ).toBe(403);

      const dave = rooms().client(tenant, uid('dave'));
      befriend(alice, dave);
      await alice.put(`/rooms/${room.id}/members/${dave.userId}`, { role: 'member' });
      expect(
        (await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: dave.userId })).status,
      ).toBe(409);
    });

    it('lets only members invite into a private room, and hides it from others (404)', async () => {
      const room = await alice.createRoom({ visibility: 'private' });
      befriend(carol, bob);
      expect(
        (await carol.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId })).status,
      ).toBe(404);
    });

    it('fails with a typed TIMEOUT, writing nothing, when identity does not answer', async () => {
      const room = await alice.createRoom();
      identityAnswers = false;
      const before = await rooms().count('invitations');
      const res = await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId });
      expect(res.status).toBe(504);
      expect(res.body).toMatchObject({
        code: 'TIMEOUT',
        message: expect.stringMatching(/identity/),
      });
      expect(await rooms().count('invitations')).toBe(before);
    });

    it('keeps tenants apart: another tenant’s invitation and room are not found', async () => {
      const room = await alice.createRoom();
      const inv = await alice.post(`/rooms/${room.id}/invitations`, { inviteeId: bob.userId });
      const mallory = rooms().client(uid('other'), bob.userId); // same user id, other tenant
      for (const [method, path] of [
        ['GET', `/invitations/${inv.body.id}`],
        ['POST', `/invitations/${inv.body.id}/accept`],
        ['POST', `/invitations/${inv.body.id}/decline`],
        ['DELETE', `/invitations/${inv.body.id}`],
        ['POST', `/rooms/${room.id}/invitations`],
      ] as const) {
        const res = await mallory.call(
          method,
          path,
          method === 'POST' && path.startsWith('/rooms') ? { inviteeId: 'x' } : undefined,
        );
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      expect((await mallory.get('/invitations')).body.invitations).toEqual([]);
      expect((await carol.get(`/invitations/${inv.body.id}`)).status).toBe(404);
    });
  });

  describe('chat history', () => {
    /** The gateway's `rooms.chat-store` request for one message; resolves with the reply. */
    const store = (
      roomId: string,
      user: Client,
      messageId: string,
      text: string,
      at: Date,
      extra: Record<string, unknown> = {},
    ) =>
      rooms().request(rooms().subjects.roomsChatStore(), {
        tenantId: tenant,
        roomId,
        userId: user.userId,
        participantId: `p-${user.userId}`,
        messageId,
        text,
        at: at.toISOString(),
        ...extra,
      });
    const ids = async (roomId: string) =>
      (await alice.get(`/rooms/${roomId}/messages`)).body.messages.map((m: { id: string }) => m.id);

    it('stores each message once when asked, even asked twice, and pages them newest first', async () => {
      const room = await alice.createRoom();
      const t0 = Date.now();
      for (let i = 0; i < 5; i++) {
        const at = new Date(t0 + i * 1000);
        expect(await store(room.id, bob, `m${i}`, `hello ${i}`, at)).toEqual({
          ok: true,
          data: {
            stored: true,
            at: at.toISOString(),
            text: `hello ${i}`,
            participantId: `p-${bob.userId}`,
          },
        });
      }
      // A retried store of the same message (the gateway's request timed out, and the client
      // sent it again with the same clientMessageId, later, after a rejoin): answered with the
      // message as first stored, its time and participant.
      expect(
        await store(room.id, bob, 'm4', 'hello 4', new Date(t0 + 9000), {
          participantId: 'p-again',
        }),
      ).toEqual({
        ok: true,
        data: {
          stored: false,
          at: new Date(t0 + 4000).toISOString(),
          text: 'hello 4',
          participantId: `p-${bob.userId}`,
        },
      });
      // Answered means stored: the history has them at once, no waiting.
      expect(await ids(room.id)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
      const first = await alice.get(`/rooms/${room.id}/messages?limit=2`);
      expect(first.body.messages.map((m: { text: string }) => m.text)).toEqual([
        'hello 4',
        'hello 3',
      ]);
      expect(first.body.messages[0]).toMatchObject({
        id: 'm4',
        userId: bob.userId,
        roomId: room.id,
      });
      const second = await alice.get(
        `/rooms/${room.id}/messages?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(second.body.messages.map((m: { id: string }) => m.id)).toEqual(['m2', 'm1']);
      const last = await alice.get(
        `/rooms/${room.id}/messages?limit=2&cursor=${second.body.nextCursor}`,
      );
      expect(last.body).toEqual({
        messages: [expect.objectContaining({ id: 'm0' })],
        nextCursor: null,
      });
      const all = await alice.get(`/rooms/${room.id}/messages`);
      expect(all.body.messages).toHaveLength(5);
      expect(all.body.nextCursor).toBeNull();
    });

    it('refuses CONFLICT a stored message id with another text or user, and changes nothing', async () => {
      const room = await alice.createRoom();
      const at = new Date();
      await store(room.id, bob, 'k1', 'the first text', at);
      for (const [who, text] of [
        [bob, 'another text'],
        [alice, 'the first text'],
      ] as const) {
        expect(await store(room.id, who, 'k1', text, new Date(at.getTime() + 1000))).toEqual({
          ok: false,
          error: expect.objectContaining({ code: 'CONFLICT', details: { messageId: 'k1' } }),
        });
      }
      const messages = (await alice.get(`/rooms/${room.id}/messages`)).body.messages;
      expect(messages).toEqual([
        expect.objectContaining({
          id: 'k1',
          text: 'the first text',
          userId: bob.userId,
          sentAt: at.toISOString(),
        }),
      ]);
    });

    it('refuses a store that breaks the contract or names no active room, and stores nothing', async () => {
      const room = await alice.createRoom();
      const at = new Date();
      const before = await rooms().count('chat_messages');
      for (const [messageId, text, extra] of [
        ['too-long', 'x'.repeat(2001), {}],
        ['empty', '', {}],
        ['bad id!', 'hi', {}],
        ['extra', 'hi', { admin: true }],
        ['no-tenant', 'hi', { tenantId: undefined }],
      ] as const) {
        expect([messageId, await store(room.id, bob, messageId, text, at, extra)]).toEqual([
          messageId,
          { ok: false, error: expect.objectContaining({ code: 'INVALID_ARGUMENT' }) },
        ]);
      }
      expect(await store(uid('nowhere'), bob, 'lost', 'hi', at)).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'NOT_FOUND' }),
      });
      expect(await rooms().count('chat_messages')).toBe(before);
      expect(await ids(room.id)).toEqual([]);
    });

    it('is read by members and by whoever was just let in; others get 403, other tenants 404', async () => {
      const room = await alice.createRoom();
      expect((await alice.get(`/rooms/${room.id}/messages`)).body).toEqual({
        messages: [],
        nextCursor: null,
      });
      expect((await carol.get(`/rooms/${room.id}/messages`)).status).toBe(403);
      expect((await authorize(room.id, carol.userId)).ok).toBe(true);
      expect((await carol.get(`/rooms/${room.id}/messages`)).status).toBe(200);
      expect(
        (await rooms().client(uid('other'), carol.userId).get(`/rooms/${room.id}/messages`)).status,
      ).toBe(404);
    });

    it.each([
      ['an invalid cursor', 'cursor=%%%'],
      ['a limit too large', 'limit=1000'],
      ['an unknown parameter', 'before=yesterday'],
    ])('refuses %s with 400', async (_name, query) => {
      const room = await alice.createRoom();
      expect((await alice.get(`/rooms/${room.id}/messages?${query}`)).status).toBe(400);
    });
  });
});
