import type { SfuControlResult } from '@cascade/contracts';

import { eventually, scrapeMetric } from '@cascade/testing';
import {
  type ConsumerInfo,
  DEFAULT_MEDIA,
  SfuParticipant,
  allSettledOrThrow,
} from '@cascade/testing';
import { type RunningSfuNode, useSfuCluster } from '../support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'cascade' };

/** What a node's workers hold (its `sfu_mediasoup_objects` metric), as `kind/transport → n`. */
async function mediasoupObjects(node: RunningSfuNode): Promise<Record<string, number>> {
  const samples = await scrapeMetric(`${node.process.url}/metrics`, 'sfu_mediasoup_objects');
  return Object.fromEntries(
    samples
      .filter((s) => s.value > 0)
      .map((s) => [[s.labels['kind'], s.labels['transport']].filter(Boolean).join('/'), s.value]),
  );
}
const SOURCES = ['camera', 'microphone'] as const;

describe('a participant on node A publishes VP8 and Opus; the pipe API carries both producers to node B; a participant on node B receives and decodes them', () => {
  const cluster = useSfuCluster();
  let a: RunningSfuNode;
  let b: RunningSfuNode;
  let alice: SfuParticipant | undefined; // on node A: publishes her camera and microphone
  let bob: SfuParticipant | undefined; // on node B: receives both through the pipe
  let producerIds: string[]; // alice's, camera first; the piped copies on B keep these ids
  const ends = {} as Record<'a' | 'b', SfuControlResult<'pipe.create'>>;
  const pipedOut: Array<SfuControlResult<'pipe.produceOut'>> = [];
  let consumers: ConsumerInfo[];

  beforeAll(async () => {
    // Each node and its client start together; each node has its own worker and ports.
    await allSettledOrThrow([
      cluster.spawn('node-a').then(async (node) => {
        a = node;
        alice = await SfuParticipant.join(a.client, { ...room, participantId: 'alice' });
      }),
      cluster.spawn('node-b').then(async (node) => {
        b = node;
        bob = await SfuParticipant.join(b.client, { ...room, participantId: 'bob' });
      }),
    ]);
    ({ producerIds } = await alice!.publish());

    // The cascade, as the orchestrator drives it: a pipe end on each node, each connected to
    // the other, then every producer out of A and into B.
    [ends.a, ends.b] = await Promise.all([
      a.client.request('pipe.create', { ...room, peerNodeId: b.id }),
      b.client.request('pipe.create', { ...room, peerNodeId: a.id }),
    ]);
    const far = ({ ip, port, srtpParameters }: SfuControlResult<'pipe.create'>) => ({
      ip,
      port,
      srtpParameters,
    });
    await Promise.all([
      a.client.request('pipe.connect', { ...room, peerNodeId: b.id, ...far(ends.b) }),
      b.client.request('pipe.connect', { ...room, peerNodeId: a.id, ...far(ends.a) }),
    ]);
    for (const producerId of producerIds) {
      const piped = await a.client.request('pipe.produceOut', {
        ...room,
        peerNodeId: b.id,
        producerId,
      });
      pipedOut.push(piped);
      await expect(
        b.client.request('pipe.produceIn', { ...room, peerNodeId: a.id, ...piped }),
      ).resolves.toEqual({ producerId });
    }

    consumers = await bob!.subscribe(producerIds);
  }, 45_000);

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
  }, 20_000);

  it('publishes through the API on A: a camera and a microphone producer, announced unpiped', async () => {
    expect(producerIds).toHaveLength(2);
    for (const [i, source] of SOURCES.entries()) {
      await expect(
        cluster.waitForEvent(
          'room',
          (e) =>
            e.type === 'producer.created' && e.nodeId === a.id && e.producerId === producerIds[i],
          `producer.created for alice's ${source} on A`,
        ),
      ).resolves.toMatchObject({
        participantId: 'alice',
        kind: source === 'camera' ? 'video' : 'audio',
        source,
        piped: false,
      });
    }
  });

  it('opens an SRTP pipe end on each node at the announced loopback address', () => {
    for (const end of [ends.a, ends.b]) {
      expect(end).toMatchObject({
        ip: '127.0.0.1',
        port: expect.any(Number),
        srtpParameters: { cryptoSuite: expect.any(String), keyBase64: expect.any(String) },
      });
    }
    expect(ends.a.port).not.toBe(ends.b.port);
  });

  it('pipes each producer out of A with its owner, source and codec, and B announces it as piped', async () => {
    expect(
      pipedOut.map((p) => [p.producerId, p.participantId, p.kind, p.source, p.paused]),
    ).toEqual([
      [producerIds[0], 'alice', 'video', 'camera', false],
      [producerIds[1], 'alice', 'audio', 'microphone', false],
    ]);
    expect(pipedOut.map((p) => p.rtpParameters.codecs[0]?.mimeType)).toEqual([
      'video/VP8',
      'audio/opus',
    ]);
    for (const [i, source] of SOURCES.entries()) {
      await expect(
        cluster.waitForEvent(
          'room',
          (e) =>
            e.type === 'producer.created' && e.nodeId === b.id && e.producerId === producerIds[i],
          `producer.created for the piped ${source} on B`,
        ),
      ).resolves.toMatchObject({
        tenantId: room.tenantId,
        roomId: room.roomId,
        participantId: 'alice',
        kind: source === 'camera' ? 'video' : 'audio',
        source,
        piped: true,
      });
    }
  });

  it('consumes the piped producers on B for the subscriber', () => {
    expect(
      consumers.map((c) => [c.producerId, c.kind, c.rtpParameters.codecs[0]?.mimeType, c.type]),
    ).toEqual([
      [producerIds[0], 'video', 'video/VP8', 'simple'],
      [producerIds[1], 'audio', 'audio/opus', 'simple'],
    ]);
    expect(consumers.every((c) => !c.producerPaused)).toBe(true);
  });

  it('the subscriber on B decodes video frames at the size they were sent on A', async () => {
    const { video } = await eventually(
      'the subscriber to decode 30 video frames',
      () => bob!.browser.received(),
      ({ video: v }) => v.frames >= 30,
    );
    expect({ width: video.width, height: video.height }).toEqual({
      width: DEFAULT_MEDIA.video.width,
      height: DEFAULT_MEDIA.video.height,
    });
  });

  it('the subscriber on B decodes the tone played on A', async () => {
    const { audio } = await eventually(
      'the subscriber to decode a second of loud audio',
      () => bob!.browser.received(),
      ({ audio: au }) => au.chunks >= 100 && au.peak > 4_000 && au.toneHz > 0,
    );
    expect(audio.sampleRate).toBe(48_000);
    expect(audio.toneHz).toBeGreaterThan(DEFAULT_MEDIA.audio.frequencyHz * 0.9);
    expect(audio.toneHz).toBeLessThan(DEFAULT_MEDIA.audio.frequencyHz * 1.1);
  });

  it('each node counts what its worker holds in sfu_mediasoup_objects, pipe ends apart', async () => {
    const common = { router: 1, rtp_observer: 2, 'transport/webrtc': 1, 'transport/pipe': 1 };
    // A: alice's send transport and producers, a pipe consumer for each of them.
    expect(await mediasoupObjects(a)).toEqual({
      ...common,
      'producer/webrtc': 2,
      'consumer/pipe': 2,
    });
    // B: bob's receive transport and consumers, the piped-in copies.
    expect(await mediasoupObjects(b)).toEqual({
      ...common,
      'producer/pipe': 2,
      'consumer/webrtc': 2,
    });
  });

  it("closing a producer on A and its pipe copy on B closes the subscriber's consumer on B", async () => {
    for (const producerId of producerIds) {
      await a.client.request('producer.close', { ...room, participantId: 'alice', producerId });
      await b.client.request('pipe.closeProducer', { ...room, peerNodeId: a.id, producerId });
    }
    for (const [i, consumer] of consumers.entries()) {
      await expect(
        cluster.waitForEvent(
          'room',
          (e) =>
            e.type === 'consumer.closed' &&
            e.nodeId === b.id &&
            e.consumerId === consumer.consumerId,
          `consumer.closed for bob's ${SOURCES[i]} consumer on B`,
        ),
      ).resolves.toMatchObject({
        tenantId: room.tenantId,
        roomId: room.roomId,
        participantId: 'bob',
        producerId: producerIds[i],
        reason: 'producer-closed',
      });
    }
    for (const [node, reason] of [
      [a, 'closed'],
      [b, 'pipe-closed'],
    ] as const) {
      for (const producerId of producerIds) {
        await expect(
          cluster.waitForEvent(
            'room',
            (e) =>
              e.type === 'producer.closed' && e.nodeId === node.id && e.producerId === producerId,
            `producer.closed for ${producerId} on ${node.id}`,
          ),
        ).resolves.toMatchObject({ participantId: 'alice', reason });
      }
    }
    // Neither node keeps anything of them: no producer, no pipe consumer on A, no piped copy on B.
    const [dumpA, dumpB] = await Promise.all([
      a.client.request('room.dump', room),
      b.client.request('room.dump', room),
    ]);
    expect(dumpA['producers']).toEqual([]);
    expect(dumpB['producers']).toEqual([]);
    expect(dumpB['pipes']).toEqual([expect.objectContaining({ peerNodeId: a.id, inbound: [] })]);
    await eventually(
      "A's pipe to drop its pipe consumers",
      () => a.client.request('room.dump', room),
      (dump) => (dump['pipes'] as Array<{ outbound: string[] }>)[0]?.outbound.length === 0,
      { timeoutMs: 5_000 },
    );
    // Nor do their workers: transports and pipes only.
    const left = { router: 1, rtp_observer: 2, 'transport/webrtc': 1, 'transport/pipe': 1 };
    expect(await mediasoupObjects(a)).toEqual(left);
    expect(await mediasoupObjects(b)).toEqual(left);
  });
});
