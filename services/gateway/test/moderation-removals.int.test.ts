import {
  SignalingClient,
  fakeDtlsParameters,
  useCascadeStack,
  vp8RtpParameters,
} from './support/stack';

/**
 * Moderation that acts on live calls, with the real rooms service, two gateway instances and one
 * SFU node: a ban, a membership removed or a room closed through the rooms API puts the people
 * concerned out of the call at once (told why, media closed, resume refused, the room sees them
 * leave); and in the call, the room's owner (a join token without the admin grant) mutes,
 * removes and bans, while a plain participant is refused.
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 1, resumeGraceMs: 20_000 });
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function joined(gateway: number, room: string, user: string, admin = false) {
  const client = await stack.connect(gateway, {
    tenant: TENANT,
    user,
    room,
    grants: { admin },
  });
  clients.push(client);
  const join = await client.call('room.join', {});
  return { client, join };
}

/** A call to the rooms HTTP API as `user` (an access token as identity signs it). */
async function roomsApi(user: string, method: string, path: string, body?: unknown) {
  const res = await stack.rooms!.fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${stack.tokens.mintAccessToken(TENANT, user)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** The participant is out: told why within 2 s, disconnected, its resume refused. */
async function expectPutOut(
  who: { client: SignalingClient; join: { resumeToken: string } },
  reason: string,
): Promise<void> {
  await expect(who.client.waitFor('session.removed', () => true, 2_000)).resolves.toEqual({
    reason,
  });
  await who.client.disconnected(2_000);
  const refusal = await SignalingClient.refusal(stack.gatewayUrls[1]!, {
    resumeToken: who.join.resumeToken,
  });
  expect(refusal.code).toBe('NOT_FOUND');
}

async function expectLeftSeenBy(
  observer: SignalingClient,
  participantId: string,
  reason: string,
): Promise<void> {
  await expect(
    observer.waitFor('participant.left', (e) => e.participantId === participantId, 2_000),
  ).resolves.toEqual({ participantId, reason });
}

describe('the rooms API reaches live calls', () => {
  it("a banned participant's socket is disconnected and its resume refused within 2 s; it cannot join again", async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');

    await roomsApi('u_owner', 'POST', `/rooms/${room.id}/bans`, { userId: 'u_alice' });

    await expectPutOut(alice, 'banned');
    await expectLeftSeenBy(bob.client, alice.join.participantId, 'banned');
    const again = await stack.connect(0, { tenant: TENANT, user: 'u_alice', room: room.id });
    clients.push(again);
    await expect(again.request('room.join', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(bob.client.connected).toBe(true);
  });

  it('removing a member puts it out of the call (kicked)', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    await roomsApi('u_owner', 'PUT', `/rooms/${room.id}/members/u_alice`, { role: 'member' });
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');

    await roomsApi('u_owner', 'DELETE', `/rooms/${room.id}/members/u_alice`);

    await expectPutOut(alice, 'kicked');
    await expectLeftSeenBy(bob.client, alice.join.participantId, 'kicked');
    expect(bob.client.connected).toBe(true);
  });

  it('closing a room puts everyone out of the call (room_closed)', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');

    await roomsApi('u_owner', 'POST', `/rooms/${room.id}/close`);

    await expectPutOut(alice, 'room_closed');
    await expectPutOut(bob, 'room_closed');
  });
});

describe("the room's owner moderates in the call without the admin grant", () => {
  it('mutes, removes and bans; a plain participant is refused (FORBIDDEN)', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const owner = await joined(0, room.id, 'u_owner');
    const bob = await joined(1, room.id, 'u_bob');
    const carol = await joined(0, room.id, 'u_carol');
    const transport = await bob.client.call('transport.create', { direction: 'send' });
    await bob.client.call('transport.connect', {
      transportId: transport.transportId,
      dtlsParameters: fakeDtlsParameters(),
    });
    const { producerId } = await bob.client.call('producer.create', {
      transportId: transport.transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8RtpParameters(),
    });
    const bobId = bob.join.participantId;
    const carolId = carol.join.participantId;

    // Carol is nobody in this room: every moderation is refused, nothing happens.
    for (const [method, payload] of [
      ['participant.mute', { participantId: bobId, source: 'camera' }],
      ['participant.remove', { participantId: bobId }],
      ['participant.ban', { participantId: bobId }],
    ] as const) {
      await expect(carol.client.request(method, payload as never)).resolves.toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    }
    expect(bob.client.connected).toBe(true);

    await owner.client.call('participant.mute', { participantId: bobId, source: 'camera' });
    await expect(
      bob.client.waitFor('producer.mutedByModerator', () => true, 2_000),
    ).resolves.toEqual({ producerId, source: 'camera', by: owner.join.participantId });

    await owner.client.call('participant.remove', { participantId: carolId });
    await expectPutOut(carol, 'kicked');
    await expectLeftSeenBy(owner.client, carolId, 'kicked');

    await owner.client.call('participant.ban', { participantId: bobId, reason: 'spam' });
    await expectPutOut(bob, 'banned');
    await expectLeftSeenBy(owner.client, bobId, 'banned');
    const bans = (await (await roomsApi('u_owner', 'GET', `/rooms/${room.id}/bans`)).json()) as {
      bans: Array<{ userId: string; bannedBy: string; reason: string }>;
    };
    expect(bans.bans).toEqual([
      expect.objectContaining({ userId: 'u_bob', bannedBy: 'u_owner', reason: 'spam' }),
    ]);
  });
});
