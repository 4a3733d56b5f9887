import type { SfuControlResult } from '@cascade/contracts';

import { eventually } from '@cascade/testing';
import { FfmpegRtpSender } from '../support/ffmpeg';
import { type ConsumerInfo, SfuParticipant, allSettledOrThrow } from '@cascade/testing';
import { type RunningSfuNode, useSfuCluster } from '../support/sfu-nodes';

const room = { tenantId: 'acme', roomId: 'broadcast' };
const ingest = { ...room, participantId: 'ingest' };

/** What ffmpeg labels its streams with (`-payload_type`, `-ssrc`), and how the product does. */
const FROM_FFMPEG = {
  video: {
    source: 'camera',
    codec: { mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96 },
    ssrc: 11_111_111,
  },
  audio: {
    source: 'microphone',
    codec: { mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111 },
    ssrc: 22_222_222,
  },
} as const;
const KINDS = ['video', 'audio'] as const;
type Kind = (typeof KINDS)[number];

/** testsrc=size=320x240 and sine=frequency=440 in ffmpeg.ts. */
const SENT = { width: 320, height: 240, toneHz: 440 };

describe('ffmpeg sends VP8 and Opus RTP into plain transports created through the API, and a WebRTC participant on the same node receives them', () => {
  const cluster = useSfuCluster();
  let node: RunningSfuNode;
  let viewer: SfuParticipant | undefined;
  let ffmpeg: FfmpegRtpSender | undefined;
  const transports = {} as Record<Kind, SfuControlResult<'transport.createPlain'>>;
  const producerIds = {} as Record<Kind, string>;
  let consumers: ConsumerInfo[];

  beforeAll(async () => {
    node = await cluster.spawn('ingest-node');
    // The viewer's client starts while the ingest is set up.
    await allSettledOrThrow([
      SfuParticipant.join(node.client, { ...room, participantId: 'viewer' }).then(
        (participant) => (viewer = participant),
      ),
      (async () => {
        for (const kind of KINDS) {
          // comedia: the node learns ffmpeg's address from its first packets. No RTCP mux:
          // ffmpeg sends RTCP from and to a port of its own (the transport's rtcpPort).
          transports[kind] = await node.client.request('transport.createPlain', {
            ...ingest,
            comedia: true,
            rtcpMux: false,
          });
          const { codec, ssrc, source } = FROM_FFMPEG[kind];
          ({ producerId: producerIds[kind] } = await node.client.request('producer.create', {
            ...ingest,
            transportId: transports[kind].transportId,
            kind,
            rtpParameters: { codecs: [codec], encodings: [{ ssrc }] },
            source,
          }));
        }
      })(),
    ]);
    const target = (kind: Kind) => ({
      ip: transports[kind].ip,
      rtpPort: transports[kind].port,
      rtcpPort: transports[kind].rtcpPort!,
      payloadType: FROM_FFMPEG[kind].codec.payloadType,
      ssrc: FROM_FFMPEG[kind].ssrc,
    });
    ffmpeg = FfmpegRtpSender.start({ video: target('video'), audio: target('audio'), seconds: 30 });
    consumers = await viewer!.subscribe([producerIds.video, producerIds.audio]);
  }, 40_000);

  afterAll(async () => {
    await Promise.all([ffmpeg?.stop(), viewer?.close()]);
  }, 20_000);

  const assertFfmpegRunning = () => {
    if (!ffmpeg?.running) throw new Error(`ffmpeg stopped early:\n${ffmpeg?.output}`);
  };

  it.each(KINDS)(
    'the %s plain transport tells the sender where to send RTP and, separately, RTCP',
    (kind) => {
      expect(transports[kind]).toEqual({
        transportId: expect.any(String),
        workerIndex: 0,
        ip: '127.0.0.1',
        port: expect.any(Number),
        rtcpPort: expect.any(Number),
      });
      expect(transports[kind].rtcpPort).not.toBe(transports[kind].port);
    },
  );

  it.each(KINDS)('announces the %s producer with its source, unpiped', async (kind) => {
    await expect(
      cluster.waitForEvent(
        'room',
        (e) => e.type === 'producer.created' && e.producerId === producerIds[kind],
      ),
    ).resolves.toMatchObject({
      nodeId: node.id,
      participantId: 'ingest',
      kind,
      source: FROM_FFMPEG[kind].source,
      piped: false,
    });
  });

  it.each(KINDS)('scores the %s stream it receives from ffmpeg', async (kind) => {
    assertFfmpegRunning();
    // A score above 0 means RTP arrives and is accounted (0 = nothing received).
    await expect(
      cluster.waitForEvent(
        'room',
        (e) => e.type === 'producer.score' && e.producerId === producerIds[kind] && e.score > 0,
        `a producer.score above 0 for the ${kind} producer`,
      ),
    ).resolves.toMatchObject({ participantId: 'ingest' });
  });

  it('consumes both producers for the WebRTC participant in the codecs ffmpeg sends', () => {
    expect(
      consumers.map((c) => [c.producerId, c.kind, c.rtpParameters.codecs[0]?.mimeType]),
    ).toEqual([
      [producerIds.video, 'video', 'video/VP8'],
      [producerIds.audio, 'audio', 'audio/opus'],
    ]);
  });

  it("the participant decodes video frames at ffmpeg's size", async () => {
    const { video } = await eventually(
      'the participant to decode 30 video frames',
      () => {
        assertFfmpegRunning();
        return viewer!.browser.received();
      },
      ({ video: v }) => v.frames >= 30,
    );
    expect({ width: video.width, height: video.height }).toEqual({
      width: SENT.width,
      height: SENT.height,
    });
  });

  it("the participant decodes ffmpeg's tone", async () => {
    const { audio } = await eventually(
      'the participant to decode a second of loud audio',
      () => {
        assertFfmpegRunning();
        return viewer!.browser.received();
      },
      ({ audio: au }) => au.chunks >= 100 && au.peak > 2_000 && au.toneHz > 0,
    );
    expect(audio.sampleRate).toBe(48_000);
    expect(audio.toneHz).toBeGreaterThan(SENT.toneHz * 0.9);
    expect(audio.toneHz).toBeLessThan(SENT.toneHz * 1.1);
  });
});
