import { randomUUID } from 'node:crypto';

import { SdkBot, eventually } from '@cascade/testing';
import { Redis } from 'ioredis';

import { consumersOnNode, placements } from './support/room-dumps';
import { type SignalingClient, opusRtpParameters, useCascadeStack } from './support/stack';

/**
 * Audio in big rooms (issue 14 item 2), end to end with real media: two gateways, the
 * orchestrator and two SFU nodes (sized tiny so that the room spans both), configured so that a
 * room of more than three hears only its one most recent active speaker. Two speakers and a
 * listener are the client SDK on @roamhq/wrtc (`SdkBot`); a raw signaling client is the
 * participant that takes the room past its size. What the listener receives is read where it
 * happens: its audio consumers in its SFU node's room dump (paused, paused by the view, RTP sent).
 */
const stack = useCascadeStack({
  rooms: false,
  gateways: 2,
  sfuNodes: 2,
  sfuMaxStreams: 40,
  orchestratorStickyThreshold: 0.05,
  gatewayEnv: { GATEWAY_AUDIO_LOUDEST_ABOVE: '3', GATEWAY_AUDIO_LOUDEST_N: '1' },
});
const TENANT = 'acme';
/** A tone; no camera is published (the video settings are unused). */
const MEDIA = {
  video: { width: 160, height: 120, fps: 5 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

/** An audio consumer as the listener's node has it. */
interface NodeAudio {
  paused: boolean;
  viewPaused: boolean;
  packetsSent: number;
}

describe('audio in a room larger than the configured size', () => {
  const started: SdkBot[] = [];
  const clients: SignalingClient[] = [];
  let roomId: string;
  let redis: Redis;
  /** Each microphone's participant, as the test learns them. */
  const owners = new Map<string, string>();

  const speakersKey = () => `gw:view:{${TENANT}:${roomId}}:speakers`;

  /** `participantId`'s audio consumers on its SFU node, by the participant each one hears. */
  async function nodeAudio(participantId: string): Promise<Record<string, NodeAudio>> {
    const audio: Record<string, NodeAudio> = {};
    for (const c of await consumersOnNode(stack, TENANT, roomId, participantId)) {
      if (c.kind !== 'audio') continue;
      audio[owners.get(c.producerId) ?? c.producerId] = {
        paused: c.paused,
        viewPaused: c.viewPaused ?? false,
        packetsSent: c.packetsSent ?? 0,
      };
    }
    return audio;
  }

  /** Whose audio flows to `participantId` on its node (sorted ids). */
  const flowing = (audio: Record<string, NodeAudio>) =>
    Object.entries(audio)
      .filter(([, c]) => !c.paused)
      .map(([id]) => id)
      .sort();

  beforeAll(async () => {
    roomId = `loudest-${randomUUID().slice(0, 8)}`;
    const { REDIS_URL, REDIS_KEY_PREFIX } = stack.infra.env;
    redis = new Redis(REDIS_URL!, { keyPrefix: REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    redis?.disconnect();
    await Promise.all(started.map((b) => b.stop().catch(() => undefined)));
  }, 30_000);

  /** A participant that hears everyone it may (and publishes a tone if told). */
  async function bot(name: string, gateway: number, microphone: boolean) {
    const urls = stack.gatewayUrls;
    const launched = await SdkBot.start({
      url: [urls[gateway % 2]!, urls[(gateway + 1) % 2]!],
      token: () => stack.mintJoinToken({ tenant: TENANT, user: `u_${name}`, room: roomId, name }),
      displayName: name,
      name,
      publish: { camera: false, microphone },
      media: MEDIA,
      autoSubscribe: true,
    });
    started.push(launched);
    return launched;
  }

  it('above the size, a listener hears only the most recent speaker; a new speaker is heard at once, the previous one paused; back at the size, everyone again', async () => {
    // Three in the room (at its size): a speaker, a second one who publishes later, a listener.
    const alice = await bot('alice', 0, true);
    const bob = await bot('bob', 1, false);
    const listener = await bot('listener', 1, false);
    const aliceRoom = await alice.join();
    const a = aliceRoom.participantId;
    owners.set(aliceRoom.local.find((t) => t.source === 'microphone')!.producerId!, a);
    const b = (await bob.join()).participantId;
    const l = (await listener.join()).participantId;
    await eventually(
      'alice to be the room’s active speaker',
      () => redis.lrange(speakersKey(), 0, -1),
      (speakers) => speakers[0] === a,
      { timeoutMs: 20_000 },
    );

    // At the size: nothing is paused, alice's audio reaches the listener.
    const small = await eventually(
      'alice’s audio to flow to the listener',
      () => nodeAudio(l),
      (audio) => (audio[a]?.packetsSent ?? 0) > 10,
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    expect(small[a]).toMatchObject({ paused: false, viewPaused: false });

    // A fourth participant publishes a microphone (that sends nothing): the room is past its
    // size, and the listener, which consumes it, hears alice alone.
    const filler = await stack.connect(0, { tenant: TENANT, user: 'u_filler', room: roomId });
    clients.push(filler);
    const f = (await filler.call('room.join', {})).participantId;
    const send = await filler.call('transport.create', { direction: 'send' });
    const fillerMic = await filler.call('producer.create', {
      transportId: send.transportId,
      kind: 'audio',
      source: 'microphone',
      rtpParameters: opusRtpParameters(),
    });
    owners.set(fillerMic.producerId, f);
    const big = await eventually(
      'the filler’s audio consumer to be paused by the plan',
      () => nodeAudio(l),
      (audio) => audio[f]?.viewPaused === true,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(flowing(big)).toEqual([a]);
    expect(big[a]!.viewPaused).toBe(false);

    // Bob publishes and mutes at once: the listener's consumer of him is held by the plan
    // (alice, who goes on speaking, is the one heard).
    owners.set((await bob.publish('microphone'))!, b);
    await bob.mute('microphone');
    await eventually(
      'the listener to consume bob, paused by the plan, and to hear alice',
      () => nodeAudio(l),
      (audio) => audio[b]?.viewPaused === true && flowing(audio).join() === a,
      { timeoutMs: 10_000, intervalMs: 200 },
    );

    // Alice falls silent and bob speaks: the only voice, he becomes the room's speaker (named by
    // his node's observers, whichever node alice is on); his audio reaches the listener at once,
    // alice's is paused by the plan.
    await alice.mute('microphone');
    await bob.unmute('microphone');
    const swapped = await eventually(
      'bob to be heard instead of alice',
      () => nodeAudio(l),
      (audio) => flowing(audio).join() === b && audio[a]?.viewPaused === true,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(swapped[f]!.viewPaused).toBe(true);
    expect((await redis.lrange(speakersKey(), 0, 0))[0]).toBe(b);
    const sentThen = swapped[b]!.packetsSent;
    await eventually(
      'bob’s audio on the wire to the listener',
      () => nodeAudio(l),
      (audio) => audio[b]!.packetsSent - sentThen > 10,
      { timeoutMs: 10_000, intervalMs: 300 },
    );
    // One decision for the room, on every node: alice hears bob, bob hears nobody (alice and
    // the filler are paused for him too).
    await eventually(
      'alice to hear bob alone, and bob nobody',
      async () => ({ alice: flowing(await nodeAudio(a)), bob: flowing(await nodeAudio(b)) }),
      (heard) => heard.alice.join() === b && heard.bob.length === 0,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const nodes = new Set((await placements(stack, TENANT, roomId)).values());

    // The filler leaves: three again, every audio consumer flows.
    await filler.call('room.leave', {});
    const again = await eventually(
      'every audio consumer of the listener to flow again',
      () => nodeAudio(l),
      (audio) => Object.values(audio).every((c) => !c.viewPaused),
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(flowing(again)).toEqual([a, b].sort());
    expect(nodes.size).toBe(2);
    expect(await listener.eventsOf('error')).toEqual([]);
  }, 120_000);
});
