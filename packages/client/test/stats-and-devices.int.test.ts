// @cascade/testing depends on this package, so this package cannot list it back (a cycle):
// Jest maps it to its sources, and the typecheck reads its build (npm test builds it first).
import { type CallStats, connectionQuality } from '@cascade/client';
import { type BotRoom, SdkBot, eventually, useCallStack } from '@cascade/testing';

/**
 * The SDK's statistics and device switching against real media: a gateway, the orchestrator
 * and an SFU node (real processes), and two participants that are the client SDK on libwebrtc
 * (`SdkBot`, @roamhq/wrtc, each in a process of its own). Alice publishes a synthetic camera (in
 * two simulcast layers) and microphone; Bob receives them.
 */
const stack = useCallStack();
const TENANT = 'acme';
const ROOM = 'stats-room';
/** Two simulcast layers (libwebrtc sends two from about 480x270), at a rate two cores afford. */
const MEDIA = {
  video: { width: 480, height: 272, fps: 10 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

describe('client statistics and device switching with real media', () => {
  const bots: SdkBot[] = [];
  let alice: SdkBot;
  let bob: SdkBot;
  let aliceRoom: BotRoom;
  let cameraId: string;

  async function participant(name: string, publish: boolean): Promise<SdkBot> {
    const bot = await SdkBot.start({
      url: stack.gatewayUrl,
      token: () => stack.joinToken({ tenant: TENANT, room: ROOM, user: `u_${name}`, name }),
      displayName: name,
      name,
      publish: { camera: publish, microphone: publish },
      media: MEDIA,
    });
    bots.push(bot);
    return bot;
  }

  /** Bob's stats of Alice's camera. */
  const remoteCamera = (stats: CallStats) => stats.remote.find((t) => t.producerId === cameraId);
  /** Alice's stats of her own camera. */
  const localCamera = (stats: CallStats) => stats.local.find((t) => t.source === 'camera');

  /** Until both sides' counters moved on from `before`: frames decoded, bytes sent. */
  async function mediaFlows(
    what: string,
    before: { bob: CallStats; alice: CallStats },
    frames = 10,
  ): Promise<{ bob: CallStats; alice: CallStats }> {
    return eventually(
      what,
      async () => ({ bob: await bob.stats(), alice: await alice.stats() }),
      (now) =>
        (remoteCamera(now.bob)?.framesDecoded ?? 0) >=
          (remoteCamera(before.bob)?.framesDecoded ?? 0) + frames &&
        (localCamera(now.alice)?.bytesSent ?? 0) > (localCamera(before.alice)?.bytesSent ?? 0),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  }

  beforeAll(async () => {
    [alice, bob] = await Promise.all([participant('alice', true), participant('bob', false)]);
    aliceRoom = await alice.join();
    cameraId = aliceRoom.local.find((t) => t.source === 'camera')!.producerId!;
    await bob.join();
    await bob.waitForEvent('trackAdded', (e) => e.payload.producerId === cameraId);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop().catch(() => undefined)));
  }, 30_000);

  it('getStats shows the remote video being decoded and the local one being sent', async () => {
    const before = { bob: await bob.stats(), alice: await alice.stats() };
    const after = await mediaFlows('frames decoded by Bob, bytes sent by Alice', before);

    // Bob: Alice's camera and microphone, by participant, producer and consumer.
    const video = remoteCamera(after.bob)!;
    const track = (await bob.state()).room!.tracks.find((t) => t.producerId === cameraId)!;
    expect(video).toMatchObject({
      participantId: aliceRoom.participantId,
      consumerId: track.consumerId,
      kind: 'video',
      source: 'camera',
      muted: false,
    });
    expect(video.packetsReceived).toBeGreaterThan(remoteCamera(before.bob)?.packetsReceived ?? 0);
    expect(video.bytesReceived).toBeGreaterThan(0);
    expect(video.frameWidth).toBeGreaterThan(0);
    expect(video.frameHeight).toBeGreaterThan(0);
    const audio = after.bob.remote.find((t) => t.source === 'microphone');
    expect(audio?.packetsReceived).toBeGreaterThan(0);
    expect(after.bob.local).toEqual([]);

    // Alice: her camera in two simulcast layers, lowest first, and her microphone.
    const camera = localCamera(after.alice)!;
    expect(camera.producerId).toBe(cameraId);
    expect(camera.encodings).toHaveLength(2);
    expect(camera.bytesSent).toBe(camera.encodings[0]!.bytesSent + camera.encodings[1]!.bytesSent);
    expect(camera.packetsSent).toBeGreaterThan(0);
    expect(camera.frameHeight).toBeGreaterThan(0);
    const heights = camera.encodings.map((e) => e.frameHeight ?? 0);
    expect(heights[0]).toBeLessThanOrEqual(heights[1]!);
    expect(after.alice.local.find((t) => t.source === 'microphone')?.bytesSent).toBeGreaterThan(0);

    // Each side's transports, with the selected candidate pair's figures.
    expect(after.alice.transports.map((t) => t.direction)).toEqual(['send']);
    const send = after.alice.transports[0]!;
    expect(send.connectionState).toBe('connected');
    expect(send.currentRoundTripTime).toEqual(expect.any(Number));
    expect(send.availableOutgoingBitrate).toBeGreaterThan(0);
    // Bob's join made both his transports (he may publish); he receives on one, the other
    // waits unconnected until he publishes something.
    expect(after.bob.transports.map((t) => t.direction).sort()).toEqual(['recv', 'send']);
    const recv = after.bob.transports.find((t) => t.direction === 'recv')!;
    expect(recv.connectionState).toBe('connected');
    expect(recv.currentRoundTripTime).toEqual(expect.any(Number));
    expect(after.bob.transports.find((t) => t.direction === 'send')!.connectionState).not.toBe(
      'connected',
    );

    // Media flows: nothing is lost, on either side.
    const elapsed = after.bob.timestamp - before.bob.timestamp;
    const bobQuality = connectionQuality(before.bob, after.bob, elapsed);
    expect(bobQuality.local).not.toBe('lost');
    expect(bobQuality.remote.get(aliceRoom.participantId)).not.toBe('lost');
    expect(connectionQuality(before.alice, after.alice, elapsed).local).not.toBe('lost');
  });

  it('the quality monitor reports what Bob receives from Alice', async () => {
    await bob.startQualityMonitor(1_000);
    const event = await bob.waitForEvent(
      'connectionQuality',
      (e) => e.payload.remote[aliceRoom.participantId] !== undefined,
    );
    expect(['excellent', 'good', 'poor']).toContain(event.payload.local);
  });

  it('replaceTrack switches the camera on the same producer while Bob keeps decoding', async () => {
    const replaced = await alice.replaceTrack('camera'); // the bot stops the old track

    expect(replaced).toMatchObject({ source: 'camera', producerId: cameraId, muted: false });
    // Every frame from here on is the new track's.
    const before = { bob: await bob.stats(), alice: await alice.stats() };
    const decodedBefore = (await bob.received())[cameraId]!.decodedFrames;
    await mediaFlows('Bob decoding the new camera track', before, 20);
    await eventually(
      'frames of the new track at Bob',
      async () => (await bob.received())[cameraId]!,
      (camera) => camera.active && camera.decodedFrames >= decodedBefore + 20,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    // Nothing was unpublished or removed: the same producer and consumer carry on.
    expect(await alice.eventsOf('trackUnpublished')).toEqual([]);
    expect((await alice.eventsOf('localTrackReplaced')).map((e) => e.payload.producerId)).toEqual([
      cameraId,
    ]);
    expect(await bob.eventsOf('trackRemoved')).toEqual([]);
    expect(
      (await bob.eventsOf('trackAdded')).filter((e) => e.payload.producerId === cameraId),
    ).toHaveLength(1);
    for (const bot of bots) expect([bot.name, await bot.eventsOf('error')]).toEqual([bot.name, []]);
  });
});
