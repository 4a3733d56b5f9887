import { z } from 'zod';

/**
 * Schemas for the mediasoup parameter objects that cross the wire (client → gateway → node,
 * node → node). They bound every size and range; mediasoup then checks the semantics (codec
 * matching, payload type collisions) and the node turns its refusals into INVALID_ARGUMENT.
 */
const uint32 = z.number().int().min(0).max(0xffff_ffff);
const shortText = z.string().min(1).max(128);
const paramValue = z.union([z.string().max(256), z.number().finite()]);
const codecParameters = z
  .record(z.string().max(64), paramValue)
  .refine((p) => Object.keys(p).length <= 32, 'at most 32 codec parameters');

export const MediaKind = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKind>;

export const MimeType = z
  .string()
  .regex(/^(audio|video)\/[A-Za-z0-9._-]{1,32}$/, 'must be audio/<codec> or video/<codec>');

export const RtcpFeedback = z.object({ type: shortText, parameter: z.string().max(64).optional() });

export const RtpCodecParameters = z.object({
  mimeType: MimeType,
  payloadType: z.number().int().min(0).max(127),
  clockRate: z.number().int().positive().max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpHeaderExtensionParameters = z.object({
  uri: z.string().min(1).max(256),
  id: z.number().int().min(1).max(255),
  encrypt: z.boolean().optional(),
  parameters: codecParameters.optional(),
});

export const RtpEncodingParameters = z.object({
  ssrc: uint32.optional(),
  rid: z.string().min(1).max(32).optional(),
  codecPayloadType: z.number().int().min(0).max(127).optional(),
  rtx: z.object({ ssrc: uint32 }).optional(),
  dtx: z.boolean().optional(),
  scalabilityMode: z.string().max(16).optional(),
  scaleResolutionDownBy: z.number().min(1).max(64).optional(),
  maxBitrate: z.number().int().positive().max(100_000_000).optional(),
  maxFramerate: z.number().positive().max(240).optional(),
  adaptivePtime: z.boolean().optional(),
  priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
  networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
});

export const RtpParameters = z.object({
  mid: z.string().min(1).max(32).optional(),
  codecs: z.array(RtpCodecParameters).min(1).max(16),
  headerExtensions: z.array(RtpHeaderExtensionParameters).max(32).optional(),
  encodings: z.array(RtpEncodingParameters).max(8).optional(),
  rtcp: z
    .object({
      cname: z.string().max(256).optional(),
      reducedSize: z.boolean().optional(),
      mux: z.boolean().optional(),
    })
    .optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const RtpCodecCapability = z.object({
  kind: MediaKind,
  mimeType: MimeType,
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive().max(1_000_000),
  channels: z.number().int().min(1).max(8).optional(),
  parameters: codecParameters.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(16).optional(),
});

export const RtpHeaderExtensionCapability = z.object({
  kind: MediaKind,
  uri: z.string().min(1).max(256),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const RtpCapabilities = z.object({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtensionCapability).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const DtlsParameters = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(
      z.object({
        algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']),
        value: z
          .string()
          .regex(
            /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){19,63}$/,
            'must be a colon-separated hex fingerprint',
          ),
      }),
    )
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const IceParameters = z.object({
  usernameFragment: z.string(),
  password: z.string(),
  iceLite: z.boolean().optional(),
});

export const IceCandidate = z.object({
  foundation: z.string(),
  priority: z.number(),
  address: z.string(),
  ip: z.string().optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int(),
  type: z.enum(['host', 'srflx', 'prflx', 'relay']),
  tcpType: z.enum(['active', 'passive', 'so']).optional(),
});

export const SrtpParameters = z.object({
  cryptoSuite: z.enum([
    'AEAD_AES_256_GCM',
    'AEAD_AES_128_GCM',
    'AES_CM_128_HMAC_SHA1_80',
    'AES_CM_128_HMAC_SHA1_32',
  ]),
  keyBase64: z.string().regex(/^[A-Za-z0-9+/]{16,128}={0,2}$/, 'must be a base64 key'),
});
export type SrtpParameters = z.infer<typeof SrtpParameters>;

/**
 * A client's wish for SCTP (data channels) on a transport. mediasoup >= 3.20 has its own SCTP
 * stack, which negotiates the stream counts itself (mediasoup-client >= 3.19 has no
 * `device.sctpCapabilities` any more): the object only switches SCTP on, and the stream
 * counts, still accepted from older clients, are not used.
 */
export const SctpCapabilities = z.object({
  numStreams: z
    .object({
      OS: z.number().int().min(1).max(65_535),
      MIS: z.number().int().min(1).max(65_535),
    })
    .optional(),
});

/**
 * A transport's SCTP parameters, as mediasoup >= 3.20 gives them and mediasoup-client >= 3.19
 * takes them (`port` and the two message sizes; OS, MIS and maxMessageSize only for older
 * clients).
 */
export const SctpParameters = z.object({
  port: z.number().int(),
  maxSendMessageSize: z.number().int(),
  maxReceiveMessageSize: z.number().int(),
  OS: z.number().int().optional(),
  MIS: z.number().int().optional(),
  maxMessageSize: z.number().int().optional(),
});

export const SctpStreamParameters = z.object({
  streamId: z.number().int().min(0).max(65_534),
  ordered: z.boolean().optional(),
  maxPacketLifeTime: z.number().int().min(0).max(65_535).optional(),
  maxRetransmits: z.number().int().min(0).max(65_535).optional(),
});

export const ConsumerLayers = z.object({
  spatialLayer: z.number().int().min(0).max(15),
  temporalLayer: z.number().int().min(0).max(15).optional(),
});

/** What a producer carries, as the product sees it. */
export const MediaSource = z.enum(['camera', 'microphone', 'screen', 'screen-audio']);
export type MediaSource = z.infer<typeof MediaSource>;

export const IpAddress = z.union([z.ipv4(), z.ipv6()]);
