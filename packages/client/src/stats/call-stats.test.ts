import type { RemoteTrackInfo } from '../types';
import {
  type ConsumerSample,
  type ProducerSample,
  type TransportSample,
  readCallStats,
} from './call-stats';

/** A report as `getStats()` gives it: a maplike of stats objects by id. */
function report(...stats: Array<Record<string, unknown> & { id: string }>): Map<string, unknown> {
  return new Map(stats.map((s) => [s.id, s]));
}

function remote(consumerId: string, kind: 'audio' | 'video' = 'video'): RemoteTrackInfo {
  return {
    participantId: 'alice',
    producerId: `p-${consumerId}`,
    consumerId,
    kind,
    source: kind === 'video' ? 'camera' : 'microphone',
    muted: false,
  };
}

function consumer(
  consumerId: string,
  names: Partial<Omit<ConsumerSample, 'info'>> = {},
  kind: 'audio' | 'video' = 'video',
): ConsumerSample {
  return {
    info: remote(consumerId, kind),
    trackId: undefined,
    mid: undefined,
    ssrcs: [],
    ...names,
  };
}

function recvTransport(...stats: Array<Record<string, unknown> & { id: string }>): TransportSample {
  return {
    id: 't-recv',
    direction: 'recv',
    connectionState: 'connected',
    report: report(...stats),
  };
}

function sendTransport(...stats: Array<Record<string, unknown> & { id: string }>): TransportSample {
  return {
    id: 't-send',
    direction: 'send',
    connectionState: 'connected',
    report: report(...stats),
  };
}

const inboundVideo = {
  type: 'inbound-rtp',
  kind: 'video',
  bytesReceived: 50_000,
  packetsReceived: 60,
  packetsLost: 2,
  jitter: 0.004,
  framesDecoded: 45,
  framesPerSecond: 15,
  frameWidth: 320,
  frameHeight: 240,
};

describe('readCallStats', () => {
  describe('remote tracks', () => {
    it("finds a consumer's inbound-rtp by its track's id first, then by mid, then by SSRC", () => {
      const stats = readCallStats({
        timestamp: 5,
        transports: [
          recvTransport(
            { ...inboundVideo, id: 'in-1', trackIdentifier: 'track-1', mid: '9', ssrc: 1 },
            { ...inboundVideo, id: 'in-2', mid: '2', ssrc: 2, framesDecoded: 2 },
            { ...inboundVideo, id: 'in-3', ssrc: 3, framesDecoded: 3 },
          ),
        ],
        consumers: [
          consumer('by-track', { trackId: 'track-1', mid: '2', ssrcs: [3] }),
          consumer('by-mid', { trackId: 'unknown', mid: '2', ssrcs: [3] }),
          consumer('by-ssrc', { mid: '7', ssrcs: [3] }),
        ],
        producers: [],
      });
      expect(stats.remote.map((t) => [t.consumerId, t.framesDecoded])).toEqual([
        ['by-track', 45],
        ['by-mid', 2],
        ['by-ssrc', 3],
      ]);
      expect(stats.remote[0]).toEqual({
        ...remote('by-track'),
        bytesReceived: 50_000,
        packetsReceived: 60,
        packetsLost: 2,
        jitter: 0.004,
        framesDecoded: 45,
        framesPerSecond: 15,
        frameWidth: 320,
        frameHeight: 240,
      });
      expect(stats.timestamp).toBe(5);
    });

    it('reads the audio level, from the deprecated track stats where inbound-rtp has none', () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [
          recvTransport(
            { id: 'in-a', type: 'inbound-rtp', kind: 'audio', mid: '0', audioLevel: 0.25 },
            { id: 'in-b', type: 'inbound-rtp', kind: 'audio', mid: '1', trackId: 'tr-b' },
            { id: 'tr-b', type: 'track', audioLevel: 0.5 },
          ),
        ],
        consumers: [consumer('a', { mid: '0' }, 'audio'), consumer('b', { mid: '1' }, 'audio')],
        producers: [],
      });
      expect(stats.remote.map((t) => t.audioLevel)).toEqual([0.25, 0.5]);
      expect(stats.remote[0]).not.toHaveProperty('framesDecoded');
    });

    it('lists a track with nothing received yet with zeros', () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [],
        consumers: [consumer('c1', { mid: '0' })],
        producers: [],
      });
      expect(stats.remote[0]).toMatchObject({ packetsReceived: 0, bytesReceived: 0, jitter: 0 });
    });
  });

  describe('local tracks', () => {
    const camera: ProducerSample = {
      source: 'camera',
      kind: 'video',
      producerId: 'prod-1',
      muted: false,
      mid: '0',
      ssrcs: [11, 12, 13],
      rids: ['r0', 'r1', 'r2'],
    };
    const layer = (rid: string, height: number, extra: Record<string, unknown> = {}) => ({
      id: `out-${rid}`,
      type: 'outbound-rtp',
      kind: 'video',
      mid: '0',
      rid,
      ssrc: 10 + Number(rid.slice(1)) + 1,
      bytesSent: 1_000 * height,
      packetsSent: height,
      frameWidth: (height * 4) / 3,
      frameHeight: height,
      framesPerSecond: 15,
      qualityLimitationReason: 'none',
      ...extra,
    });

    it('sums simulcast layers, and takes the frame of the largest layer being sent', () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [
          sendTransport(
            layer('r2', 720, { framesPerSecond: 0, qualityLimitationReason: 'bandwidth' }),
            layer('r0', 180),
            layer('r1', 360),
            { id: 'ri-r0', type: 'remote-inbound-rtp', localId: 'out-r0', packetsLost: 1 },
            { id: 'ri-r1', type: 'remote-inbound-rtp', localId: 'out-r1', packetsLost: 2 },
            { id: 'ri-r2', type: 'remote-inbound-rtp', localId: 'out-r2', roundTripTime: 0.05 },
            { ...layer('r0', 90), id: 'other', mid: '5', ssrc: 99 },
          ),
        ],
        consumers: [],
        producers: [camera],
      });
      const [local] = stats.local;
      expect(local).toMatchObject({
        source: 'camera',
        producerId: 'prod-1',
        bytesSent: 1_000 * (180 + 360 + 720),
        packetsSent: 180 + 360 + 720,
        frameWidth: 480,
        frameHeight: 360,
        framesPerSecond: 15,
        qualityLimitationReason: 'bandwidth',
        packetsLost: 3,
        roundTripTime: 0.05,
      });
      expect(local?.encodings.map((e) => [e.rid, e.ssrc, e.frameHeight])).toEqual([
        ['r0', 11, 180],
        ['r1', 12, 360],
        ['r2', 13, 720],
      ]);
    });

    it("finds a producer's streams by SSRC where the report has no mid", () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [
          sendTransport({
            id: 'out-mic',
            type: 'outbound-rtp',
            kind: 'audio',
            ssrc: 21,
            bytesSent: 4_000,
            packetsSent: 40,
          }),
        ],
        consumers: [],
        producers: [
          {
            source: 'microphone',
            kind: 'audio',
            producerId: 'prod-2',
            muted: true,
            mid: '1',
            ssrcs: [21],
            rids: [],
          },
        ],
      });
      expect(stats.local).toEqual([
        {
          source: 'microphone',
          kind: 'audio',
          producerId: 'prod-2',
          muted: true,
          bytesSent: 4_000,
          packetsSent: 40,
          encodings: [{ ssrc: 21, bytesSent: 4_000, packetsSent: 40 }],
        },
      ]);
    });
  });

  describe('transports', () => {
    it("reads the selected candidate pair's round-trip time and outgoing bitrate", () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [
          sendTransport(
            { id: 'T', type: 'transport', selectedCandidatePairId: 'pair-2' },
            { id: 'pair-1', type: 'candidate-pair', currentRoundTripTime: 0.9 },
            {
              id: 'pair-2',
              type: 'candidate-pair',
              currentRoundTripTime: 0.03,
              availableOutgoingBitrate: 1_200_000,
              bytesSent: 10,
              bytesReceived: 20,
            },
          ),
          // Firefox marks the pair instead.
          recvTransport(
            { id: 'pair-3', type: 'candidate-pair', currentRoundTripTime: 0.9 },
            { id: 'pair-4', type: 'candidate-pair', selected: true, currentRoundTripTime: 0.04 },
          ),
        ],
        consumers: [],
        producers: [],
      });
      expect(stats.transports).toEqual([
        {
          transportId: 't-send',
          direction: 'send',
          connectionState: 'connected',
          currentRoundTripTime: 0.03,
          availableOutgoingBitrate: 1_200_000,
          bytesSent: 10,
          bytesReceived: 20,
        },
        {
          transportId: 't-recv',
          direction: 'recv',
          connectionState: 'connected',
          currentRoundTripTime: 0.04,
        },
      ]);
    });

    it('keeps a transport whose report could not be had, without figures', () => {
      const stats = readCallStats({
        timestamp: 0,
        transports: [{ id: 't', direction: 'send', connectionState: 'failed', report: undefined }],
        consumers: [],
        producers: [],
      });
      expect(stats.transports).toEqual([
        { transportId: 't', direction: 'send', connectionState: 'failed' },
      ]);
    });
  });
});
