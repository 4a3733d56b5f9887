import type { RoomView } from '@cascade/contracts';
import { OrchestratorClient } from '@cascade/sfu-client';
import { SdkBot, eventually } from '@cascade/testing';

import { type SignalingClient, opusRtpParameters, useCascadeStack } from './support/stack';

/**
 * Webinar viewers: a join token that grants subscribe without publish joins as a viewer. It is
 * refused as a publisher, it is counted (`room.viewers`, the join answer, `participant.list`)
 * and not listed, it takes a place of the room's `viewerCapacity` (the rooms service), and it is
 * placed by the orchestrator as a viewer (costed as what it receives: the orchestrator's unit
 * tests hold the figures): on another node than the speaker, it receives the speaker's media
 * through the pipe between the nodes. Two gateways, two tiny SFU nodes (a room
 * stops sticking to a node once it carries one participant's streams), the rooms service.
 */
const stack = useCascadeStack({
  gateways: 2,
  sfuNodes: 2,
  sfuMaxStreams: 40,
  orchestratorStickyThreshold: 0.05,
});
const TENANT = 'acme';
const VIEWER = { publish: false, subscribe: true };
const clients: SignalingClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function connect(
  gateway: number,
  room: string,
  user: string,
  grants: { publish?: boolean; subscribe?: boolean } = {},
): Promise<SignalingClient> {
  const client = await stack.connect(gateway, { tenant: TENANT, user, room, name: user, grants });
  clients.push(client);
  return client;
}

describe('webinar viewers', () => {
  it('refuses a viewer as a publisher, counts it without listing it, and fills viewer places apart', async () => {
    const room = await stack.createRoom(TENANT, 'u_host', { capacity: 2, viewerCapacity: 1 });
    const host = await connect(0, room.id, 'u_host');
    const hostJoin = await host.call('room.join', {});
    expect(hostJoin).toMatchObject({ role: 'speaker', viewers: 0 });
    const hostId = hostJoin.participantId;

    const viewer = await connect(0, room.id, 'u_viewer', VIEWER);
    const joined = await viewer.call('room.join', {});
    expect(joined).toMatchObject({ role: 'viewer', viewers: 1 });
    expect(joined.participants.map((p) => p.participantId)).toEqual([hostId]);

    // No send transport, no producer: typed refusals naming the grant.
    expect(await viewer.request('transport.create', { direction: 'send' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', details: { grant: 'publish' } },
    });
    expect(
      await viewer.request('producer.create', {
        transportId: 'no-such-transport',
        kind: 'audio',
        rtpParameters: opusRtpParameters(),
        source: 'microphone',
      } as never),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', details: { grant: 'publish' } } });
    // Receiving is what it may do.
    const recv = await viewer.call('transport.create', { direction: 'recv' });
    expect(recv.direction).toBe('recv');

    // The room hears a count, and lists only its speakers.
    expect(await host.waitFor('room.viewers', (e) => e.count === 1)).toEqual({ count: 1 });
    expect(await host.call('participant.list', {})).toEqual({
      participants: [expect.objectContaining({ participantId: hostId })],
      viewers: 1,
    });

    // The one viewer place is taken; a speaker place is still free.
    const second = await connect(1, room.id, 'u_viewer2', VIEWER);
    expect(await second.request('room.join', {})).toMatchObject({
      ok: false,
      error: { code: 'ROOM_FULL', details: { participantRole: 'viewer', capacity: 1 } },
    });
    const guest = await connect(0, room.id, 'u_guest');
    const guestJoin = await guest.call('room.join', {});
    expect(guestJoin).toMatchObject({ role: 'speaker', viewers: 1 });
    // The guest's arrival comes after the viewer's on the same instance: the viewer had none.
    await host.waitFor('participant.joined', (p) => p.participantId === guestJoin.participantId);
    expect(host.received('participant.joined').map((p) => p.participantId)).toEqual([
      guestJoin.participantId,
    ]);

    // A viewer that leaves is counted out, without a participant.left.
    await viewer.call('room.leave', {});
    expect(await host.waitFor('room.viewers', (e) => e.count === 0)).toEqual({ count: 0 });
    expect(host.received('participant.left')).toEqual([]);
    expect((await host.call('participant.list', {})).viewers).toBe(0);
  });

  it('puts a banned viewer out of the call, as it would a speaker', async () => {
    const room = await stack.createRoom(TENANT, 'u_host');
    const host = await connect(0, room.id, 'u_host');
    await host.call('room.join', {});
    const viewer = await connect(1, room.id, 'u_heckler', VIEWER);
    await viewer.call('room.join', {});
    await host.waitFor('room.viewers', (e) => e.count === 1);

    const res = await stack.rooms!.fetch(`/rooms/${room.id}/bans`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.tokens.mintAccessToken(TENANT, 'u_host')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ userId: 'u_heckler' }),
    });
    expect(res.status).toBeLessThan(300);
    expect(await viewer.waitFor('session.removed')).toEqual({ reason: 'banned' });
    expect(await host.waitFor('room.viewers', (e) => e.count === 0)).toEqual({ count: 0 });
  });

  it('places a viewer on another node than the speaker, where it receives the speaker through the pipe', async () => {
    const roomId = (await stack.createRoom(TENANT, 'u_owner', { viewerCapacity: 10 })).id;
    const bots: SdkBot[] = [];
    const start = (name: string, gateway: number, grants = {}, publish = false) =>
      SdkBot.start({
        url: stack.gatewayUrls[gateway]!,
        token: () =>
          stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name, grants }),
        displayName: name,
        name,
        publish: { camera: publish, microphone: publish },
        media: {
          video: { width: 160, height: 120, fps: 10 },
          audio: { frequencyHz: 440, sampleRate: 48_000 },
        },
      }).then((bot) => {
        bots.push(bot);
        return bot;
      });
    try {
      const speaker = await start('speaker', 0, {}, true);
      const speakerRoom = await speaker.join();
      const producerIds = speakerRoom.local.map((t) => t.producerId!);
      expect(producerIds).toHaveLength(2);

      const viewer = await start('viewer', 1, VIEWER);
      const viewerRoom = await viewer.join();
      expect(viewerRoom).toMatchObject({ role: 'viewer', viewers: 1, local: [] });
      expect(viewerRoom.participants.map((p) => p.participantId)).toEqual([
        speakerRoom.participantId,
      ]);

      // The orchestrator placed the viewer on the other node, knowing it for a viewer (its join
      // said so); the speaker's join said no role, which the orchestrator takes for a speaker.
      const orchestrator = new OrchestratorClient(stack.nc, stack.subjects, { timeoutMs: 3_000 });
      const view: RoomView = await orchestrator.admin({ op: 'room.get', tenantId: TENANT, roomId });
      const roleOf = new Map(view.participants.map((p) => [p.participantId, p.role]));
      expect(roleOf.get(viewerRoom.participantId)).toBe('viewer');
      expect(roleOf.get(speakerRoom.participantId)).toBeUndefined();
      const nodeOf = new Map(view.participants.map((p) => [p.participantId, p.nodeId]));
      const from = nodeOf.get(speakerRoom.participantId)!;
      const to = nodeOf.get(viewerRoom.participantId)!;
      expect(from).toBeDefined();
      expect(to).not.toBe(from);

      // The viewer decodes the speaker's camera and microphone, which crossed the pipe once.
      const received = await eventually(
        "the viewer decodes the speaker's camera and microphone",
        () => viewer.received(),
        (r) =>
          producerIds.every((id) => {
            const t = r[id];
            return t?.kind === 'video'
              ? t.decodedFrames >= 10
              : t?.kind === 'audio' && t.samples >= 48_000;
          }),
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(Object.keys(received).sort()).toEqual([...producerIds].sort());
      const piped = (
        await orchestrator.admin({ op: 'room.get', tenantId: TENANT, roomId })
      ).pipes.flatMap((pipe) => pipe.producers.map((p) => `${p.producerId} ${p.from}>${p.to}`));
      expect(piped.sort()).toEqual(producerIds.map((id) => `${id} ${from}>${to}`).sort());

      // The speaker is told the count and does not list the viewer.
      await speaker.waitForEvent('viewerCount');
      expect((await speaker.eventsOf('viewerCount')).at(-1)?.payload).toEqual({ count: 1 });
      expect(await speaker.eventsOf('participantJoined')).toEqual([]);
    } finally {
      await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
    }
  });
});
