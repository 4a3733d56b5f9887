import { type Client, uid, useRoomsApp, waitFor } from './support/harness';

/**
 * The presence query (identity asks it for a user's friends list) names a room only to a viewer
 * who may join it: a friend in a private room the viewer is no member of nor invited to, or in
 * a room the viewer is banned from, shows as in a call, nowhere named.
 */
describe('presence names only rooms the viewer may join', () => {
  const rooms = useRoomsApp();
  let tenant: string;
  let owner: Client;

  beforeEach(() => {
    tenant = uid('tenant');
    owner = rooms().client(tenant, uid('owner'));
  });

  const present = async (roomId: string, userId: string) => {
    const participantId = uid('p');
    rooms().presence({
      type: 'participant.joined',
      tenantId: tenant,
      roomId,
      userId,
      participantId,
    });
    await waitFor('present', async () =>
      (
        (await owner.get(`/rooms/${roomId}/participants`)).body.participants as Array<{
          participantId: string;
        }>
      ).some((p) => p.participantId === participantId)
        ? true
        : undefined,
    );
  };

  const query = async (userIds: string[], viewerId?: string) => {
    const reply = await rooms().request<{ ok: boolean; data: { presence: unknown[] } }>(
      rooms().subjects.roomsPresenceQuery(),
      { tenantId: tenant, userIds, ...(viewerId === undefined ? {} : { viewerId }) },
    );
    expect(reply.ok).toBe(true);
    return reply.data.presence;
  };

  it('hides a private room from a stranger, names it to members and invitees', async () => {
    const secret = await owner.createRoom({ visibility: 'private', title: 'Secret plans' });
    const friend = uid('u');
    await present(secret.id, friend);

    const [stranger, member, invitee, expiredInvitee] = [uid('v'), uid('v'), uid('v'), uid('v')];
    expect(
      (await owner.put(`/rooms/${secret.id}/members/${member}`, { role: 'member' })).status,
    ).toBe(200);
    for (const [invited, expiresIn] of [
      [invitee, '1 hour'],
      [expiredInvitee, '-1 hour'],
    ] as const) {
      await rooms().db.query(
        `INSERT INTO invitations (tenant_id, id, room_id, inviter_id, invitee_id, status, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'pending', now() + $6::interval)`,
        [tenant, uid('inv'), secret.id, owner.userId, invited, expiresIn],
      );
    }

    const hidden = [{ userId: friend, hidden: true }];
    const named = [
      { userId: friend, roomId: secret.id, roomTitle: 'Secret plans', roomVisibility: 'private' },
    ];
    expect(await query([friend], stranger)).toEqual(hidden);
    expect(await query([friend], expiredInvitee)).toEqual(hidden);
    expect(await query([friend])).toEqual(hidden);
    expect(await query([friend], member)).toEqual(named);
    expect(await query([friend], invitee)).toEqual(named);
    expect(await query([friend], owner.userId)).toEqual(named);
    // Nothing about the room is in what a stranger gets.
    expect(JSON.stringify(await query([friend], stranger))).not.toMatch(
      new RegExp(`${secret.id}|Secret plans`),
    );
  });

  it('names a public room to anyone of the tenant but one banned from it', async () => {
    const open = await owner.createRoom({ title: 'Open house' });
    const friend = uid('u');
    await present(open.id, friend);
    const [anyone, banned] = [uid('v'), uid('v')];
    expect((await owner.post(`/rooms/${open.id}/bans`, { userId: banned })).status).toBeLessThan(
      300,
    );

    const named = [
      { userId: friend, roomId: open.id, roomTitle: 'Open house', roomVisibility: 'public' },
    ];
    expect(await query([friend], anyone)).toEqual(named);
    expect(await query([friend])).toEqual(named);
    expect(await query([friend], banned)).toEqual([{ userId: friend, hidden: true }]);
  });
});
