import { type Client, uid, useRoomsApp } from './support/harness';

describe('membership and bans', () => {
  const rooms = useRoomsApp();
  let owner: Client;
  let mod: Client;
  let member: Client;
  let stranger: Client;
  let roomId: string;

  beforeEach(async () => {
    const tenant = uid('tenant');
    [owner, mod, member, stranger] = ['owner', 'mod', 'member', 'stranger'].map((n) =>
      rooms().client(tenant, uid(n)),
    ) as [Client, Client, Client, Client];
    roomId = (await owner.createRoom({ visibility: 'private' })).id;
    expect(
      (await owner.put(`/rooms/${roomId}/members/${mod.userId}`, { role: 'moderator' })).status,
    ).toBe(200);
    expect(
      (await mod.put(`/rooms/${roomId}/members/${member.userId}`, { role: 'member' })).status,
    ).toBe(200);
  });

  it('lists members with their roles', async () => {
    const res = await member.get(`/rooms/${roomId}/members`);
    expect(
      res.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role]),
    ).toEqual([
      [owner.userId, 'owner'],
      [mod.userId, 'moderator'],
      [member.userId, 'member'],
    ]);
  });

  it('lets the owner grant and change roles, moderators only add members', async () => {
    expect(
      (await mod.put(`/rooms/${roomId}/members/${stranger.userId}`, { role: 'moderator' })).status,
    ).toBe(403);
    expect(
      (await mod.put(`/rooms/${roomId}/members/${member.userId}`, { role: 'moderator' })).status,
    ).toBe(403);
    expect(
      (await member.put(`/rooms/${roomId}/members/${stranger.userId}`, { role: 'member' })).status,
    ).toBe(403);
    expect(
      (await owner.put(`/rooms/${roomId}/members/${member.userId}`, { role: 'moderator' })).body
        .role,
    ).toBe('moderator');
    expect(
      (await owner.put(`/rooms/${roomId}/members/${owner.userId}`, { role: 'member' })).status,
    ).toBe(403);
    for (const body of [{ role: 'owner' }, { role: 'king' }, {}, { role: 'member', x: 1 }]) {
      expect((await owner.put(`/rooms/${roomId}/members/${stranger.userId}`, body)).status).toBe(
        400,
      );
    }
  });

  it('removes members: oneself, by a moderator, never the owner', async () => {
    expect((await member.delete(`/rooms/${roomId}/members/${owner.userId}`)).status).toBe(403);
    expect((await mod.delete(`/rooms/${roomId}/members/${member.userId}`)).status).toBe(204);
    expect((await mod.delete(`/rooms/${roomId}/members/${mod.userId}`)).status).toBe(204);
    expect((await owner.delete(`/rooms/${roomId}/members/${owner.userId}`)).status).toBe(403);
    expect((await owner.delete(`/rooms/${roomId}/members/${stranger.userId}`)).status).toBe(404);
    expect((await mod.get(`/rooms/${roomId}`)).status).toBe(404); // private, no longer a member
  });

  it('bans: owner and moderators ban, the ban ends membership, and can be lifted', async () => {
    expect((await member.post(`/rooms/${roomId}/bans`, { userId: stranger.userId })).status).toBe(
      403,
    );
    expect((await mod.post(`/rooms/${roomId}/bans`, { userId: owner.userId })).status).toBe(403);
    const ban = await mod.post(`/rooms/${roomId}/bans`, { userId: member.userId, reason: 'spam' });
    expect(ban.status).toBe(201);
    expect(ban.body).toMatchObject({ userId: member.userId, bannedBy: mod.userId, reason: 'spam' });
    expect((await mod.post(`/rooms/${roomId}/bans`, { userId: member.userId })).status).toBe(409);
    expect((await owner.get(`/rooms/${roomId}/bans`)).body.bans).toHaveLength(1);
    expect((await member.get(`/rooms/${roomId}`)).status).toBe(404);
    expect(
      (await owner.put(`/rooms/${roomId}/members/${member.userId}`, { role: 'member' })).status,
    ).toBe(409);
    expect((await owner.delete(`/rooms/${roomId}/bans/${member.userId}`)).status).toBe(204);
    expect((await owner.delete(`/rooms/${roomId}/bans/${member.userId}`)).status).toBe(404);
  });

  it('refuses bad ban input, writing nothing', async () => {
    const before = await rooms().count('room_bans');
    for (const body of [
      {},
      { userId: 5 },
      { userId: 'a.b' },
      { userId: 'x', reason: 'r'.repeat(501) },
      { userId: 'x', y: 1 },
    ]) {
      const res = await owner.post(`/rooms/${roomId}/bans`, body);
      expect(res.status).toBe(400);
      expect(res.body.details.issues.length).toBeGreaterThan(0);
    }
    expect(await rooms().count('room_bans')).toBe(before);
  });

  it('keeps every membership route of another tenant at 404', async () => {
    const mallory = rooms().client(uid('other'), owner.userId); // same user id, other tenant
    for (const [method, path, body] of [
      ['GET', `/rooms/${roomId}/members`, undefined],
      ['PUT', `/rooms/${roomId}/members/${stranger.userId}`, { role: 'member' }],
      ['DELETE', `/rooms/${roomId}/members/${member.userId}`, undefined],
      ['GET', `/rooms/${roomId}/bans`, undefined],
      ['POST', `/rooms/${roomId}/bans`, { userId: member.userId }],
      ['DELETE', `/rooms/${roomId}/bans/${member.userId}`, undefined],
    ] as const) {
      const res = await mallory.call(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
  });
});
