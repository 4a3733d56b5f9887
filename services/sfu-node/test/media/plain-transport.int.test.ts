import type { types as ms } from 'mediasoup';

import { eventually } from '@cascade/testing';
import { FfmpegRtpSender } from '../support/ffmpeg';
import { LOOPBACK_UDP, payloadTypeOf, rtpHeader, useMediaServer } from '../support/mediasoup';

/** What ffmpeg labels its streams with (`-payload_type`, `-ssrc`); the router assigns its own. */
const FROM_FFMPEG = {
  video: { mimeType: 'video/VP8', clockRate: 90_000, payloadType: 96, ssrc: 11_111_111 },
  audio: {
    mimeType: 'audio/opus',
    clockRate: 48_000,
    channels: 2,
    payloadType: 111,
    ssrc: 22_222_222,
  },
} as const;

type Kind = keyof typeof FROM_FFMPEG;

interface Forwarded {
  packets: number;
  payloadTypes: Set<number>;
  ssrcs: Set<number>;
}

describe("forwards ffmpeg's VP8 and Opus RTP received on a PlainTransport", () => {
  const server = useMediaServer();
  const ingest = {} as Record<Kind, ms.PlainTransport>;
  const producers = {} as Record<Kind, ms.Producer>;
  const consumers = {} as Record<Kind, ms.Consumer>;
  const forwarded = {} as Record<Kind, Forwarded>;
  let ffmpeg: FfmpegRtpSender | undefined;

  beforeAll(async () => {
    const { router } = server();
    // Consumed on a DirectTransport, whose consumers hand every forwarded packet to this process.
    const direct = await router.createDirectTransport();
    for (const kind of ['video', 'audio'] as const) {
      const { payloadType, ssrc, ...codec } = FROM_FFMPEG[kind];
      // comedia: mediasoup learns ffmpeg's address from its first packets. No RTCP mux: ffmpeg
      // sends RTCP from and to a port of its own.
      ingest[kind] = await router.createPlainTransport({
        listenInfo: LOOPBACK_UDP,
        comedia: true,
        rtcpMux: false,
      });
      producers[kind] = await ingest[kind].produce({
        kind,
        rtpParameters: { codecs: [{ ...codec, payloadType }], encodings: [{ ssrc }] },
      });
      consumers[kind] = await direct.consume({
        producerId: producers[kind].id,
        rtpCapabilities: router.rtpCapabilities,
      });
      const seen: Forwarded = (forwarded[kind] = {
        packets: 0,
        payloadTypes: new Set(),
        ssrcs: new Set(),
      });
      consumers[kind].on('rtp', (packet) => {
        const header = rtpHeader(packet);
        seen.packets++;
        seen.payloadTypes.add(header.payloadType);
        seen.ssrcs.add(header.ssrc);
      });
    }
    const target = (kind: Kind) => ({
      ...FROM_FFMPEG[kind],
      rtpPort: ingest[kind].tuple.localPort,
      rtcpPort: ingest[kind].rtcpTuple!.localPort,
    });
    ffmpeg = FfmpegRtpSender.start({ video: target('video'), audio: target('audio'), seconds: 20 });
  }, 20_000);

  afterAll(async () => {
    await ffmpeg?.stop();
  }, 15_000);

  const assertFfmpegRunning = () => {
    if (!ffmpeg?.running) throw new Error(`ffmpeg stopped early:\n${ffmpeg?.output}`);
  };

  it.each(['video', 'audio'] as const)(
    'receives %s RTP and RTCP from ffmpeg on its own PlainTransport',
    async (kind) => {
      const transport = ingest[kind];
      // Until then the tuples have no remote side (remoteIp undefined, remotePort 0).
      await eventually(
        `mediasoup to learn where ffmpeg sends ${kind} RTP and RTCP from`,
        () => {
          assertFfmpegRunning();
          return { rtp: transport.tuple, rtcp: transport.rtcpTuple };
        },
        ({ rtp, rtcp }) => (rtp.remotePort ?? 0) > 0 && (rtcp?.remotePort ?? 0) > 0,
      );
      for (const tuple of [transport.tuple, transport.rtcpTuple]) {
        expect(tuple).toMatchObject({
          localAddress: '127.0.0.1',
          remoteIp: '127.0.0.1',
          protocol: 'udp',
        });
      }
    },
  );

  it.each(['video', 'audio'] as const)(
    'the %s producer reports the codec it was given and a good score',
    async (kind) => {
      const [stats] = await eventually(
        `${kind} producer stats to count 50 packets`,
        () => {
          assertFfmpegRunning();
          return producers[kind].getStats();
        },
        // Scores run 0–10 and follow packet loss, of which loopback has none.
        ([s]) => (s?.packetCount ?? 0) >= 50 && (s?.score ?? 0) >= 9,
      );
      expect(stats).toMatchObject({
        type: 'inbound-rtp',
        kind,
        mimeType: FROM_FFMPEG[kind].mimeType,
        ssrc: FROM_FFMPEG[kind].ssrc,
      });
      expect(stats!.byteCount).toBeGreaterThan(0);
      expect(stats!.score).toBeGreaterThanOrEqual(9);
      expect(producers[kind].score).toEqual([
        expect.objectContaining({ ssrc: FROM_FFMPEG[kind].ssrc, score: expect.any(Number) }),
      ]);
      expect(producers[kind].score[0]!.score).toBeGreaterThanOrEqual(9);
    },
  );

  it.each(['video', 'audio'] as const)(
    'forwards %s RTP under the payload type the router assigned to its codec',
    async (kind) => {
      const { router } = server();
      const seen = await eventually(
        `50 forwarded ${kind} packets`,
        () => {
          assertFfmpegRunning();
          return forwarded[kind];
        },
        ({ packets }) => packets >= 50,
      );
      const routerPayloadType = payloadTypeOf(router, FROM_FFMPEG[kind].mimeType);
      expect(routerPayloadType).not.toBe(FROM_FFMPEG[kind].payloadType);
      expect(consumers[kind].rtpParameters.codecs[0]).toMatchObject({
        mimeType: FROM_FFMPEG[kind].mimeType,
        payloadType: routerPayloadType,
      });
      expect([...seen.payloadTypes]).toEqual([routerPayloadType]);
      expect([...seen.ssrcs]).toEqual([consumers[kind].rtpParameters.encodings?.[0]?.ssrc]);
    },
  );
});
