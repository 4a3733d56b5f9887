import type { JoinResult } from '@cascade/contracts';

import {
  type SignalingClient,
  fakeDtlsParameters,
  opusRtpParameters,
  useCascadeStack,
  vp8RtpParameters,
} from './support/stack';

/**
 * Signaling through two gateway instances with everything behind them real (rooms service,
 * orchestrator, an SFU node, NATS, Redis): what a participant on one instance does reaches the
 * participants on the other exactly once. Media objects are created for real on the node; no
 * WebRTC stack connects to them (mediasoup accepts producers on an unconnected transport).
 */
const stack = useCascadeStack({ gateways: 2, sfuNodes: 1 });
const TENANT = 'acme';
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A user of the tenant connected to gateway `gateway` and joined to `room`. */
async function joined(
  gateway: number,
  room: string,
  user: string,
  grants: { admin?: boolean; publish?: boolean } = {},
): Promise<{ client: SignalingClient; join: JoinResult }> {
  const client = await stack.connect(gateway, {
    tenant: TENANT,
    user,
    room,
    name: `${user} display`,
    grants,
  });
  clients.push(client);
  const join = await client.call('room.join', {});
  return { client, join };
}

const settle = () => new Promise((r) => setTimeout(r, 500));

describe('signaling across two gateway instances', () => {
  it('announces each join exactly once to the others, whichever instance holds them', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    expect(alice.join).toMatchObject({
      tenantId: TENANT,
      roomId: room.id,
      userId: 'u_alice',
      displayName: 'u_alice display',
      participants: [],
      producers: [],
      resumeGraceMs: 3_000,
      iceServers: [],
    });
    expect(alice.join.participantId).toMatch(/^p_[0-9a-f]{16}$/);
    expect(alice.join.rtpCapabilities.codecs?.length).toBeGreaterThan(0);

    const bob = await joined(1, room.id, 'u_bob');
    expect(bob.join.participants).toEqual([
      expect.objectContaining({
        participantId: alice.join.participantId,
        displayName: 'u_alice display',
      }),
    ]);
    await alice.client.waitFor(
      'participant.joined',
      (p) => p.participantId === bob.join.participantId,
    );
    await settle();
    expect(alice.client.received('participant.joined')).toEqual([
      {
        participantId: bob.join.participantId,
        userId: 'u_bob',
        displayName: 'u_bob display',
        joinedAt: expect.any(Number),
      },
    ]);
    // Bob learnt of Alice from his join answer; nobody hears of their own join.
    expect(bob.client.received('participant.joined')).toEqual([]);

    const listed = await bob.client.call('participant.list', {});
    expect(listed.participants.map((p) => p.userId).sort()).toEqual(['u_alice', 'u_bob']);
  });

  it('announces producers, pauses, chat and leaves to both instances exactly once', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const bob = await joined(1, room.id, 'u_bob');
    const carol = await joined(0, room.id, 'u_carol');
    const watchers = [bob.client, carol.client];

    const transport = await alice.client.call('transport.create', { direction: 'send' });
    expect(transport).toMatchObject({ direction: 'send', iceCandidates: expect.any(Array) });
    await alice.client.call('transport.connect', {
      transportId: transport.transportId,
      dtlsParameters: fakeDtlsParameters(),
    });
    const { producerId } = await alice.client.call('producer.create', {
      transportId: transport.transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8RtpParameters(),
    });
    const added = {
      producerId,
      participantId: alice.join.participantId,
      kind: 'video',
      source: 'camera',
      paused: false,
    };
    for (const w of watchers) await w.waitFor('producer.added', (p) => p.producerId === producerId);

    await alice.client.call('producer.pause', { producerId });
    await alice.client.call('producer.pause', { producerId }); // already paused: nothing to announce
    await alice.client.call('producer.resume', { producerId });
    for (const w of watchers) await w.waitFor('producer.resumed');

    const { messageId } = await bob.client.call('chat.send', { text: '  hello there ' });
    for (const c of [alice.client, ...watchers]) await c.waitFor('chat.message');

    await alice.client.call('producer.close', { producerId });
    for (const w of watchers) await w.waitFor('producer.closed');

    await alice.client.call('room.leave', {});
    for (const w of watchers) await w.waitFor('participant.left');
    await settle();

    for (const w of watchers) {
      expect(w.received('producer.added')).toEqual([added]);
      expect(w.received('producer.paused')).toEqual([
        { producerId, participantId: alice.join.participantId },
      ]);
      expect(w.received('producer.resumed')).toEqual([
        { producerId, participantId: alice.join.participantId },
      ]);
      expect(w.received('producer.closed')).toEqual([
        { producerId, participantId: alice.join.participantId },
      ]);
      expect(w.received('participant.left')).toEqual([
        { participantId: alice.join.participantId, reason: 'left' },
      ]);
    }
    // The sender sees its own chat message too, as everyone does, once.
    for (const c of [alice.client, ...watchers]) {
      expect(c.received('chat.message')).toEqual([
        {
          messageId,
          participantId: bob.join.participantId,
          userId: 'u_bob',
          displayName: 'u_bob display',
          text: 'hello there',
          at: expect.any(Number),
        },
      ]);
    }
    // The publisher is not told about its own producer.
    expect(alice.client.received('producer.added')).toEqual([]);
  });

  it('tells a newcomer what is published, and lets it consume a producer from the other instance', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const send = await alice.client.call('transport.create', { direction: 'send' });
    const { producerId } = await alice.client.call('producer.create', {
      transportId: send.transportId,
      kind: 'audio',
      source: 'microphone',
      rtpParameters: opusRtpParameters(),
    });

    const bob = await joined(1, room.id, 'u_bob');
    expect(bob.join.producers).toEqual([
      {
        producerId,
        participantId: alice.join.participantId,
        kind: 'audio',
        source: 'microphone',
        paused: false,
      },
    ]);
    const recv = await bob.client.call('transport.create', { direction: 'recv' });
    const consumer = await bob.client.call('consumer.create', {
      transportId: recv.transportId,
      producerId,
      rtpCapabilities: bob.join.rtpCapabilities,
    });
    expect(consumer).toMatchObject({
      producerId,
      participantId: alice.join.participantId,
      kind: 'audio',
      source: 'microphone',
      paused: true,
    });
    await bob.client.call('consumer.resume', { consumerId: consumer.consumerId });

    // The producer goes: the consumer's owner is told its consumer closed.
    await alice.client.call('producer.close', { producerId });
    const closed = await bob.client.waitFor('consumer.closed');
    expect(closed).toEqual({ consumerId: consumer.consumerId, producerId });
  });

  it('lets an admin remove a participant: it is told, disconnected, and the room sees it kicked', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const admin = await joined(0, room.id, 'u_admin', { admin: true });
    const target = await joined(1, room.id, 'u_target');
    const gone = target.client.disconnected();
    await admin.client.call('participant.remove', { participantId: target.join.participantId });
    expect(await target.client.waitFor('session.removed')).toEqual({ reason: 'kicked' });
    await gone;
    await admin.client.waitFor('participant.left');
    expect(admin.client.received('participant.left')).toEqual([
      { participantId: target.join.participantId, reason: 'kicked' },
    ]);
    expect((await admin.client.call('participant.list', {})).participants).toHaveLength(1);
  });

  it('refuses a join once the room is at capacity (rooms service): ROOM_FULL', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner', { capacity: 2 });
    await joined(0, room.id, 'u_one');
    await joined(1, room.id, 'u_two');
    const third = await stack.connect(0, { tenant: TENANT, user: 'u_three', room: room.id });
    clients.push(third);
    const reply = await third.request('room.join', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'ROOM_FULL' } });
  });

  it('serves clients that can only long-poll', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_alice');
    const poller = await stack.connect(
      1,
      { tenant: TENANT, user: 'u_poller', room: room.id },
      { transports: ['polling'] },
    );
    clients.push(poller);
    const join = await poller.call('room.join', {});
    expect(join.participants.map((p) => p.participantId)).toEqual([alice.join.participantId]);
    await alice.client.call('chat.send', { text: 'can you hear me' });
    await poller.waitFor('chat.message');
  });

  it('counts requests, sockets and forwarded events in its metrics', async () => {
    const text = await (await stack.gateways[0]!.fetch('/metrics')).text();
    const sample = (name: string, label: string) =>
      new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} \\d+`, 'm');
    expect(text).toMatch(sample('gateway_requests_total', 'method="room.join",outcome="ok"'));
    expect(text).toMatch(sample('gateway_request_duration_seconds_count', 'method="room.join"'));
    expect(text).toMatch(sample('gateway_sockets', 'service="gateway"'));
    expect(text).toContain('# TYPE gateway_events_forwarded_total counter');
  });

  it('delivers a user notification to every socket of that user, and only of that tenant', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const token = { room: room.id, user: 'u_invitee' };
    const onOne = await stack.connect(0, { ...token, tenant: TENANT });
    const onTwo = await stack.connect(1, { ...token, tenant: TENANT });
    const sameIdOtherTenant = await stack.connect(1, { ...token, tenant: 'globex' });
    clients.push(onOne, onTwo, sameIdOtherTenant);
    const event = {
      type: 'invitation.created',
      tenantId: TENANT,
      userId: 'u_invitee',
      invitation: {
        id: 'inv-1',
        tenantId: TENANT,
        roomId: room.id,
        roomTitle: room.title,
        inviterId: 'u_owner',
        inviteeId: 'u_invitee',
        status: 'pending',
        createdAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        respondedAt: null,
      },
    };
    // As the rooms service publishes it.
    stack.nc.publish(
      stack.subjects.userEvents(TENANT, 'u_invitee'),
      new TextEncoder().encode(JSON.stringify(event)),
    );
    await onOne.waitFor('user.notification');
    await onTwo.waitFor('user.notification');
    await settle();
    expect(onOne.received('user.notification')).toEqual([event]);
    expect(onTwo.received('user.notification')).toEqual([event]);
    expect(sameIdOtherTenant.events).toEqual([]);
  });

  it("makes a joiner's transports and consumers in the join itself, as far as its grants go", async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_jm_alice');
    const send = await alice.client.call('transport.create', { direction: 'send' });
    const produce = (kind: 'audio' | 'video', ssrc: number) =>
      alice.client.call('producer.create', {
        transportId: send.transportId,
        kind,
        source: kind === 'audio' ? 'microphone' : 'camera',
        rtpParameters: kind === 'audio' ? opusRtpParameters(ssrc) : vp8RtpParameters(ssrc),
      });
    const mic = await produce('audio', 5101);
    const camera = await produce('video', 5102);
    const carol = await joined(1, room.id, 'u_jm_carol');
    const carolSend = await carol.client.call('transport.create', { direction: 'send' });
    const carolCamera = await carol.client.call('producer.create', {
      transportId: carolSend.transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8RtpParameters(5103),
    });

    // Bob may only watch: he asks for both transports and gets the one he may use.
    const bob = await stack.connect(1, {
      tenant: TENANT,
      user: 'u_jm_bob',
      room: room.id,
      grants: { publish: false },
    });
    clients.push(bob);
    const { rtpCapabilities } = await bob.call('room.capabilities', {});
    // Bad media requests are refused whole: nobody joins.
    for (const media of [
      { transports: ['recv', 'recv'] },
      { transports: ['send'], consume: { rtpCapabilities, audio: true, videos: 1 } },
      { transports: ['recv'], consume: { rtpCapabilities, audio: true, videos: 26 } },
      { transports: ['recv'], surprise: true },
    ]) {
      expect(await bob.request('room.join', { media } as never)).toMatchObject({
        ok: false,
        error: { code: 'INVALID_ARGUMENT' },
      });
    }
    expect((await alice.client.call('participant.list', {})).participants).toHaveLength(2);

    const join = await bob.call('room.join', {
      media: {
        transports: ['recv', 'send'],
        consume: { rtpCapabilities, audio: true, videos: 1 },
      },
    });
    expect(join.media?.transports.map((t) => t.direction)).toEqual(['recv']);
    const recv = join.media!.transports[0]!;
    expect(recv.iceCandidates.length).toBeGreaterThan(0);
    // Everyone's audio, and the video of the one participant a one-tile grid shows first
    // (Alice, who joined first; nobody has spoken).
    const consumers = join.media!.consumers;
    expect(consumers.map((c) => c.producerId).sort()).toEqual(
      [mic.producerId, camera.producerId].sort(),
    );
    expect(consumers.map((c) => c.producerId)).not.toContain(carolCamera.producerId);
    for (const consumer of consumers) {
      // Paused until Bob's side has taken them; real consumers of his session on the node.
      expect(consumer).toMatchObject({ participantId: alice.join.participantId, paused: true });
      await bob.call('consumer.resume', { consumerId: consumer.consumerId });
    }
    // The rest he asks for the usual way, on the transport the join made.
    const more = await bob.call('consumer.create', {
      transportId: recv.transportId,
      producerId: carolCamera.producerId,
      rtpCapabilities,
    });
    expect(more).toMatchObject({ participantId: carol.join.participantId, kind: 'video' });
  });

  it('tells a socket that has not joined yet the capabilities its room will have', async () => {
    const room = await stack.createRoom(TENANT, 'u_owner');
    const alice = await joined(0, room.id, 'u_cap_alice');
    const bob = await stack.connect(0, { tenant: TENANT, user: 'u_cap_bob', room: room.id });
    clients.push(bob);
    const hint = await bob.call('room.capabilities', {});
    expect(hint.rtpCapabilities).toEqual(alice.join.rtpCapabilities);
    // It is the same as what the join answers, and asking changes nothing about the session.
    const join = await bob.call('room.join', {});
    expect(join.rtpCapabilities).toEqual(hint.rtpCapabilities);
    // Anything else still needs the join first.
    const other = await stack.connect(0, { tenant: TENANT, user: 'u_cap_carol', room: room.id });
    clients.push(other);
    await expect(other.call('participant.list', {})).rejects.toThrow(
      /CONFLICT join the room first/,
    );
  });

  it('refuses a join to a room that does not exist: NOT_FOUND', async () => {
    const client = await stack.connect(1, { tenant: TENANT, user: 'u_lost', room: 'no-such-room' });
    clients.push(client);
    expect(await client.request('room.join', {})).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await client.request('participant.list', {})).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });
});
