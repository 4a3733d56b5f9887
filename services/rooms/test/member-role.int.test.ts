import { type Client, uid, useRoomsApp } from './support/harness';

describe('member role over NATS (rooms.member-role)', () => {
  const rooms = useRoomsApp();
  let owner: Client;
  let mod: Client;
  let member: Client;
  let stranger: Client;
  let roomId: string;

  const roleOf = (tenantId: string, userId: string, room = roomId) =>
    rooms().request(rooms().subjects.roomsMemberRole(), { tenantId, roomId: room, userId });

  beforeEach(async () => {
    const tenant = uid('tenant');
    [owner, mod, member, stranger] = ['owner', 'mod', 'member', 'stranger'].map((n) =>
      rooms().client(tenant, uid(n)),
    ) as [Client, Client, Client, Client];
    roomId = (await owner.createRoom()).id;
    await owner.put(`/rooms/${roomId}/members/${mod.userId}`, { role: 'moderator' });
    await owner.put(`/rooms/${roomId}/members/${member.userId}`, { role: 'member' });
  });

  it("answers each user's role in the room, null for a user without one", async () => {
    for (const [who, role] of [
      [owner, 'owner'],
      [mod, 'moderator'],
      [member, 'member'],
      [stranger, null],
    ] as const) {
      expect(await roleOf(who.tenantId, who.userId)).toEqual({ ok: true, data: { role } });
    }
  });

  it('answers null for the same ids in another tenant, an unknown room and a closed room', async () => {
    expect(await roleOf(uid('other'), owner.userId)).toEqual({ ok: true, data: { role: null } });
    expect(await roleOf(owner.tenantId, owner.userId, 'no-such-room')).toEqual({
      ok: true,
      data: { role: null },
    });
    expect((await owner.post(`/rooms/${roomId}/close`)).status).toBe(200);
    expect(await roleOf(owner.tenantId, owner.userId)).toEqual({ ok: true, data: { role: null } });
  });

  it('refuses a malformed request with INVALID_ARGUMENT', async () => {
    for (const bad of [
      {},
      { tenantId: owner.tenantId, roomId },
      { tenantId: owner.tenantId, roomId, userId: 'a.b' },
      { tenantId: owner.tenantId, roomId, userId: owner.userId, role: 'owner' },
    ]) {
      const reply = await rooms().request(rooms().subjects.roomsMemberRole(), bad);
      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
  });
});
