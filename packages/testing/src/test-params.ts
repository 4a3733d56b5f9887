import { randomBytes, randomUUID } from 'node:crypto';

/**
 * Parameters a real client would send, for driving the sfu-node control API or the gateway's
 * signaling without a WebRTC stack: mediasoup creates producers on a transport that never
 * connected.
 */
export const fakeDtlsParameters = () => ({
  role: 'client' as const,
  fingerprints: [
    {
      algorithm: 'sha-256' as const,
      value: [...randomBytes(32)]
        .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
        .join(':'),
    },
  ],
});

export const vp8RtpParameters = (ssrc = 1111) => ({
  mid: '0',
  codecs: [
    {
      mimeType: 'video/VP8',
      payloadType: 101,
      clockRate: 90_000,
      rtcpFeedback: [
        { type: 'nack' },
        { type: 'nack', parameter: 'pli' },
        { type: 'ccm', parameter: 'fir' },
      ],
    },
  ],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: 'fake', reducedSize: true },
});

export const opusRtpParameters = (ssrc = 2222) => ({
  mid: '1',
  codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48_000, channels: 2 }],
  headerExtensions: [],
  encodings: [{ ssrc }],
  rtcp: { cname: 'fake', reducedSize: true },
});

export const unknownId = () => randomUUID();

/** Orchestrator settings that make it react in seconds (test suites and benchmarks). */
export const FAST_ORCHESTRATOR = {
  ORCH_NODE_STALE_MS: '1500',
  ORCH_NODE_DEAD_MS: '3000',
  // A keepalive that notices a silent NATS partition well before a node is dead (the
  // orchestrator refuses one slower than ORCH_NODE_DEAD_MS: 500 × 3 < 3000).
  NATS_PING_INTERVAL_MS: '500',
  ORCH_WARMUP_MS: '1000',
  ORCH_PIPE_LINGER_MS: '800',
  ORCH_ROOM_LEASE_MS: '3000',
  ORCH_REQUEST_TIMEOUT_MS: '4000',
};
