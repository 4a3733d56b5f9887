import type { types as ms } from 'mediasoup';

/**
 * The codecs of every Cascade room router: Opus (stereo, in-band FEC, DTX), VP8, VP9, H264
 * constrained baseline and main (packetization-mode 1). mediasoup adds RTX for each video codec.
 */
export const ROOM_MEDIA_CODECS: ms.RouterRtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48_000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1, 'sprop-stereo': 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90_000,
    parameters: { 'x-google-start-bitrate': 1_000 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP9',
    clockRate: 90_000,
    parameters: { 'profile-id': 0, 'x-google-start-bitrate': 1_000 },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90_000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
    },
  },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90_000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '4d0032',
      'level-asymmetry-allowed': 1,
    },
  },
];
