import { randomUUID } from 'node:crypto';

import type { ClientView } from '@cascade/contracts';
import { type BotRoom, SdkBot, eventually } from '@cascade/testing';
import { Redis } from 'ioredis';

import { consumersOnNode, placements } from './support/room-dumps';
import { type SignalingClient, useCascadeStack } from './support/stack';

/**
 * Subscriptions that follow the view (issue 14), end to end with real media: two gateways, the
 * orchestrator, three SFU nodes (sized tiny so that the room spans all three), four publishers and a
 * viewer that are the client SDK on @roamhq/wrtc (`SdkBot`), and a raw signaling client for
 * what the SDK would never send. What flows is read where it happens: the viewer's consumers in
 * its SFU node's room dump (paused, paused by the view, preferred layer), and what the viewer
 * decodes.
 */
const stack = useCascadeStack({
  // Joins are not authorized by the rooms service here (nothing of it is under test): any room
  // id a token names is a room.
  rooms: false,
  gateways: 2,
  sfuNodes: 3,
  sfuMaxStreams: 40,
  orchestratorStickyThreshold: 0.05,
});
const TENANT = 'acme';
/** Two simulcast layers (480x270 and 240x135), few frames: five encoders on two cores. */
const MEDIA = {
  video: { width: 480, height: 270, fps: 8 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Publisher {
  bot: SdkBot;
  room: BotRoom;
  id: string;
  camera: string;
}

/** A video consumer as the node has it, by the participant whose camera it receives. */
interface NodeConsumer {
  consumerId: string;
  paused: boolean;
  viewPaused: boolean;
  layer: number | undefined;
}

describe('subscriptions follow the view', () => {
  const started: SdkBot[] = [];
  const clients: SignalingClient[] = [];
  const publishers: Publisher[] = [];
  let viewer: SdkBot;
  let viewerId: string;
  let roomId: string;
  let redis: Redis;

  /** `participantId`'s video consumers on its SFU node (with their RTP counters). */
  async function nodeConsumers(participantId: string) {
    const owner = new Map(publishers.map((p) => [p.camera, p.id]));
    return (await consumersOnNode(stack, TENANT, roomId, participantId))
      .filter((c) => c.kind === 'video')
      .map((c) => ({ ...c, publisher: owner.get(c.producerId) ?? c.producerId }));
  }

  /** The video consumers of `participantId` on its SFU node, by publisher id. */
  async function nodeVideo(participantId: string): Promise<Record<string, NodeConsumer>> {
    const video: Record<string, NodeConsumer> = {};
    for (const c of await nodeConsumers(participantId)) {
      video[c.publisher] = {
        consumerId: c.id,
        paused: c.paused,
        viewPaused: c.viewPaused ?? false,
        layer: c.preferredSpatialLayer,
      };
    }
    return video;
  }

  /** RTP packets each publisher's video consumer of `participantId` sent, read on its node. */
  async function packetsSent(participantId: string): Promise<Record<string, number>> {
    const consumers = await nodeConsumers(participantId);
    return Object.fromEntries(consumers.map((c) => [c.publisher, c.packetsSent ?? -1]));
  }

  /** Which publishers' video flows to `participantId` on its node (sorted ids). */
  const flowingOf = (video: Record<string, NodeConsumer>) =>
    Object.entries(video)
      .filter(([, c]) => !c.paused)
      .map(([id]) => id)
      .sort();

  /** Decoded video frames of each publisher at the viewer. */
  async function framesAtViewer(): Promise<Record<string, number>> {
    const received = await viewer.received();
    return Object.fromEntries(
      publishers.map((p) => [p.id, received[p.camera]?.decodedFrames ?? 0]),
    );
  }

  /** Until each of `ids` has decoded `frames` more video frames at the viewer than now. */
  async function decodes(what: string, ids: string[], frames = 8): Promise<void> {
    const before = await framesAtViewer();
    await eventually(
      what,
      framesAtViewer,
      (now) => ids.every((id) => now[id]! - before[id]! >= frames),
      { timeoutMs: 30_000, intervalMs: 300 },
    );
  }

  beforeAll(async () => {
    roomId = `view-${randomUUID().slice(0, 8)}`;
    const { REDIS_URL, REDIS_KEY_PREFIX } = stack.infra.env;
    redis = new Redis(REDIS_URL!, { keyPrefix: REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    redis?.disconnect();
    await Promise.all(started.map((b) => b.stop().catch(() => undefined)));
  }, 30_000);

  async function bot(
    name: string,
    gateway: number,
    publish: { camera: boolean; microphone: boolean },
  ): Promise<SdkBot> {
    const urls = stack.gatewayUrls;
    const launched = await SdkBot.start({
      url: [urls[gateway % 2]!, urls[(gateway + 1) % 2]!],
      token: () => stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name }),
      displayName: name,
      name,
      publish,
      media: MEDIA,
      // Publishers decode nothing (two cores); the viewer takes everything, as a grid would.
      autoSubscribe: !publish.camera,
    });
    started.push(launched);
    return launched;
  }

  it('a view of two with lastN 2: exactly those two videos flow (none to the others, read on the node), at the layers their sizes ask; a new view, and a new speaker, change what flows', async () => {
    // The last publisher has no microphone yet: it starts speaking later, on cue.
    const bots = await Promise.all(
      [0, 1, 2, 3].map((i) => bot(`pub${i}`, i, { camera: true, microphone: i < 3 })),
    );
    for (const b of bots) {
      const room = await b.join();
      const camera = room.local.find((t) => t.source === 'camera')!.producerId!;
      publishers.push({ bot: b, room, id: room.participantId, camera });
    }
    viewer = await bot('viewer', 0, { camera: false, microphone: false });
    viewerId = (await viewer.join()).participantId;
    const [p0, p1, p2, p3] = publishers.map((p) => p.id) as [string, string, string, string];
    // The room spans all three nodes: views and speakers are decided room-wide, applied per node.
    expect(new Set((await placements(stack, TENANT, roomId)).values()).size).toBe(3);

    // No view yet: everyone's video flows (four, under the default last-N).
    await decodes('without a view, every camera at the viewer', [p0, p1, p2, p3], 4);
    const before = await nodeVideo(viewerId);
    expect(flowingOf(before)).toEqual([p0, p1, p2, p3].sort());
    expect(Object.values(before).every((c) => !c.viewPaused)).toBe(true);

    // Two on screen, one large and one small, and no room for anyone else.
    const view: ClientView = {
      visible: [
        { participantId: p0, width: 640, height: 360 },
        { participantId: p1, width: 160, height: 90 },
      ],
      lastN: 2,
    };
    const result = await viewer.setView(view);
    // On the wire, read on the node: the paused consumers send nothing, the shown ones do.
    const sentThen = await packetsSent(viewerId);
    expect({ flowing: [...result.flowing].sort(), paused: result.paused }).toEqual({
      flowing: [p0, p1].sort(),
      paused: 2,
    });
    const shown = await nodeVideo(viewerId);
    expect(shown).toEqual({
      [p0]: { consumerId: before[p0]!.consumerId, paused: false, viewPaused: false, layer: 1 },
      [p1]: { consumerId: before[p1]!.consumerId, paused: false, viewPaused: false, layer: 0 },
      [p2]: {
        consumerId: before[p2]!.consumerId,
        paused: true,
        viewPaused: true,
        layer: undefined,
      },
      [p3]: {
        consumerId: before[p3]!.consumerId,
        paused: true,
        viewPaused: true,
        layer: undefined,
      },
    });
    await sleep(1_500); // 8 fps on two layers: a flowing camera sends dozens of packets meanwhile
    const sentNow = await packetsSent(viewerId);
    const sentSince = (id: string) => sentNow[id]! - sentThen[id]!;
    expect([sentSince(p2), sentSince(p3)]).toEqual([0, 0]);
    expect(sentSince(p0)).toBeGreaterThan(5);
    expect(sentSince(p1)).toBeGreaterThan(5);
    // What the viewer decodes follows: the two shown keep coming, the paused two stop. The small
    // tile gets the low layer (240x135).
    await decodes('the two shown', [p0, p1]);
    await eventually(
      'the small tile at the low layer',
      () => viewer.received(),
      (r) => r[publishers[1]!.camera]?.width === 240,
      { timeoutMs: 20_000 },
    );
    const stopped = await framesAtViewer();
    await sleep(1_500); // frames of a flowing camera would have arrived by now (8 fps)
    const later = await framesAtViewer();
    expect([later[p2]! - stopped[p2]!, later[p3]! - stopped[p3]!]).toEqual([0, 0]);

    // Another view: the other two flow, the first two stop.
    await viewer.setView({
      visible: [
        { participantId: p2, width: 1280, height: 720 },
        { participantId: p3, width: 320, height: 180 },
      ],
      lastN: 2,
    });
    const swapped = await nodeVideo(viewerId);
    expect(flowingOf(swapped)).toEqual([p2, p3].sort());
    expect([swapped[p2]!.layer, swapped[p3]!.layer]).toEqual([2, 0]);
    expect([swapped[p0]!.viewPaused, swapped[p1]!.viewPaused]).toEqual([true, true]);
    await decodes('the two shown now', [p2, p3]);

    // One shown and room for one more: the room's most recent active speaker other than the one
    // shown fills it, at the lowest layer; when someone else starts speaking, that one takes the
    // place, without a new view. The last publisher has not spoken (it has no microphone).
    const speakersKey = `gw:view:{${TENANT}:${roomId}}:speakers`;
    const speakerView = await viewer.setView({
      visible: [{ participantId: p1, width: 640, height: 360 }],
      lastN: 2,
    });
    const spoken = await redis.lrange(speakersKey, 0, -1);
    const earlier = spoken.find((id) => id !== p1);
    expect(spoken).not.toContain(p3);
    expect([...speakerView.flowing].sort()).toEqual([p1, ...(earlier ? [earlier] : [])].sort());
    const withEarlier = await nodeVideo(viewerId);
    expect(flowingOf(withEarlier)).toEqual([p1, ...(earlier ? [earlier] : [])].sort());
    expect(withEarlier[p1]!.layer).toBe(1);
    if (earlier) expect(withEarlier[earlier]!.layer).toBe(0);
    expect(withEarlier[p3]!.viewPaused).toBe(true);
    // The others hang up their microphones and the last one starts speaking: the only voice left,
    // its node names it the dominant speaker (a node's observer hears no difference between
    // steady tones, so it would not switch between two).
    await Promise.all(
      publishers.slice(0, 3).map(async (p) => {
        const microphone = p.room.local.find((t) => t.source === 'microphone')!.producerId!;
        await p.bot.request('producer.close', { producerId: microphone });
      }),
    );
    await publishers[3]!.bot.publish('microphone');
    await eventually(
      'p3 to be the most recent active speaker',
      () => redis.lrange(speakersKey, 0, -1),
      (speakers) => speakers[0] === p3,
      { timeoutMs: 20_000 },
    );
    const moved = await eventually(
      'the speaker to take the place in the viewer’s last-N',
      () => nodeVideo(viewerId),
      (video) => flowingOf(video).join() === [p1, p3].sort().join(),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect([moved[p1]!.layer, moved[p3]!.layer, moved[p3]!.viewPaused]).toEqual([1, 0, false]);
    if (earlier) expect(moved[earlier]!.viewPaused).toBe(true);
    await decodes('the new speaker at the viewer', [p3]);
    expect(await viewer.eventsOf('error')).toEqual([]);
  }, 120_000);

  it('bad views are refused with typed errors and change nothing: another room’s participant, a bad lastN, a flood', async () => {
    expect(publishers).toHaveLength(4);
    const [p0, p1, p2, p3] = publishers.map((p) => p.id) as [string, string, string, string];
    // A raw client, to send what the SDK never would; it consumes the four cameras (on a
    // transport it never connects: the node's state is what counts).
    const prober = await stack.connect(0, { tenant: TENANT, user: 'u_prober', room: roomId });
    clients.push(prober);
    const join = await prober.call('room.join', {});
    const recv = await prober.call('transport.create', { direction: 'recv' });
    for (const p of publishers) {
      const consumer = await prober.call('consumer.create', {
        transportId: recv.transportId,
        producerId: p.camera,
        rtpCapabilities: join.rtpCapabilities,
      });
      await prober.call('consumer.resume', { consumerId: consumer.consumerId });
    }
    const probe = join.participantId;
    const viewKey = `gw:view:{${TENANT}:${roomId}}:views`;
    const v0: ClientView = {
      visible: [
        { participantId: p0, width: 320, height: 180 },
        { participantId: p1, width: 320, height: 180 },
      ],
      lastN: 2,
    };
    await prober.call('room.setView', v0);
    const state = async () => ({
      node: await nodeVideo(probe),
      stored: await redis.hget(viewKey, probe),
    });
    const before = await state();
    expect(flowingOf(before.node)).toEqual([p0, p1].sort());
    expect(JSON.parse(before.stored!)).toEqual(v0);

    // Someone of another room (and someone who does not exist): NOT_FOUND.
    const otherRoom = `${roomId}-other`;
    const stranger = await stack.connect(1, {
      tenant: TENANT,
      user: 'u_stranger',
      room: otherRoom,
    });
    clients.push(stranger);
    const strangerId = (await stranger.call('room.join', {})).participantId;
    for (const outsider of [strangerId, 'p_nobody']) {
      const reply = await prober.request('room.setView', {
        visible: [
          { participantId: p2, width: 320, height: 180 },
          { participantId: outsider, width: 320, height: 180 },
        ],
        lastN: 2,
      });
      expect(reply).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    // What the schema refuses: INVALID_ARGUMENT.
    const tile = { participantId: p2, width: 320, height: 180 };
    for (const bad of [
      { visible: [tile], lastN: 0 },
      { visible: [tile], lastN: -1 },
      { visible: [tile], lastN: 1_000_000 },
      { visible: [tile], lastN: 1.5 },
      { visible: [{ ...tile, width: 9_000 }], lastN: 2 },
      { visible: [tile, tile], lastN: 2 },
      {
        visible: Array.from({ length: 101 }, (_, i) => ({ ...tile, participantId: `p_${i}` })),
        lastN: 2,
      },
      { visible: [tile], lastN: 2, producers: ['x'] },
    ]) {
      const reply = await prober.request('room.setView', bad as ClientView);
      expect([JSON.stringify(bad).slice(0, 80), reply]).toMatchObject([
        JSON.stringify(bad).slice(0, 80),
        { ok: false, error: { code: 'INVALID_ARGUMENT' } },
      ]);
    }
    expect(await state()).toEqual(before);

    // A flood: the first few are taken, in order; every other is RATE_LIMITED and changes
    // nothing (the node and the stored view are those of the last one taken).
    const views: ClientView[] = Array.from({ length: 30 }, (_, i) => ({
      visible: [{ participantId: i % 2 === 0 ? p2 : p3, width: 320, height: 180 }],
      lastN: 1,
    }));
    const replies = await Promise.all(views.map((v) => prober.request('room.setView', v)));
    const taken = replies.flatMap((r, i) => (r.ok ? [i] : []));
    const refused = replies.filter((r) => !r.ok);
    expect(taken.length).toBeGreaterThan(0);
    expect(taken).toEqual(Array.from({ length: taken.length }, (_, i) => i));
    expect(refused.length).toBeGreaterThanOrEqual(15);
    for (const r of refused)
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } },
      });
    const last = views[taken[taken.length - 1]!]!;
    const after = await state();
    expect(JSON.parse(after.stored!)).toEqual(last);
    expect(flowingOf(after.node)).toEqual([last.visible[0]!.participantId]);
    // The viewer's own view was not touched by any of it.
    expect(flowingOf(await nodeVideo(viewerId))).toContain(p1);
  }, 60_000);

  it('whoever leaves is forgotten at once: its view, and its place among the recent speakers', async () => {
    const viewsKey = `gw:view:{${TENANT}:${roomId}}:views`;
    const speakersKey = `gw:view:{${TENANT}:${roomId}}:speakers`;
    const watcher = await stack.connect(0, { tenant: TENANT, user: 'u_watcher', room: roomId });
    clients.push(watcher);
    const watcherId = (await watcher.call('room.join', {})).participantId;
    await watcher.call('room.setView', {
      visible: [{ participantId: publishers[0]!.id, width: 320, height: 180 }],
      lastN: 1,
    });
    expect(await redis.hget(viewsKey, watcherId)).not.toBeNull();
    const speakers = await eventually(
      'a publisher among the recent speakers',
      () => redis.lrange(speakersKey, 0, -1),
      (list) => publishers.some((p) => list.includes(p.id)),
    );
    const speaker = publishers.find((p) => speakers.includes(p.id))!;

    await watcher.call('room.leave', {});
    await speaker.bot.leave();
    // Bounded well below any speaker change's cleanup being needed: the leave itself forgets.
    await eventually(
      'the view and the speaker of those who left to be forgotten',
      async () => ({
        view: await redis.hget(viewsKey, watcherId),
        speakers: await redis.lrange(speakersKey, 0, -1),
      }),
      (state) => state.view === null && !state.speakers.includes(speaker.id),
      { timeoutMs: 5_000, intervalMs: 100 },
    );
  }, 30_000);
});
