import type { MediaKind, MediaSource } from '@cascade/contracts';
import type { types as client } from 'mediasoup-client';

/**
 * Camera video in three simulcast layers: a quarter, half and full resolution, each with a
 * higher bitrate ceiling and three temporal layers, so that the SFU can give every receiver the
 * layer its bandwidth and window size call for.
 */
export const CAMERA_SIMULCAST_ENCODINGS: readonly client.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000, scalabilityMode: 'L1T3' },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000, scalabilityMode: 'L1T3' },
];

/** Screen sharing: one sharp layer (text must stay legible), temporal layers for bandwidth. */
export const SCREEN_ENCODINGS: readonly client.RtpEncodingParameters[] = [
  { maxBitrate: 2_500_000, scalabilityMode: 'L1T3' },
];

/**
 * How many simulcast layers a source of this size can have. libwebrtc drops the top layers of a
 * small source (its simulcast layer limit: three layers from about 960x540, two from about
 * 480x270, one below), which with quarter/half/full encodings would leave a small camera sending
 * only its quarter-size layer. Unknown sizes get three.
 */
export function simulcastLayersFor(size?: { width?: number; height?: number }): number {
  const width = size?.width;
  const height = size?.height;
  if (!height || !Number.isFinite(height)) return 3;
  const pixels = width && Number.isFinite(width) ? width * height : (height * height * 16) / 9;
  if (pixels >= 960 * 540) return 3;
  if (pixels >= 480 * 270) return 2;
  return 1;
}

export interface PublishProfile {
  encodings?: client.RtpEncodingParameters[];
  codecOptions?: client.ProducerCodecOptions;
}

/**
 * How a source is sent: the encodings and codec options `transport.produce` gets. Camera video
 * goes in as many of the three simulcast layers as its `size` allows (the top ones, so the full
 * resolution is always among them); `simulcast` false sends it as one layer.
 */
export function publishProfile(
  source: MediaSource,
  kind: MediaKind,
  {
    simulcast = true,
    size,
  }: { simulcast?: boolean; size?: { width?: number; height?: number } } = {},
): PublishProfile {
  if (kind === 'audio') {
    return {
      codecOptions: { opusStereo: source === 'screen-audio', opusFec: true, opusDtx: true },
    };
  }
  const codecOptions = { videoGoogleStartBitrate: 1_000 };
  if (source === 'screen')
    return { encodings: SCREEN_ENCODINGS.map((e) => ({ ...e })), codecOptions };
  if (source === 'camera' && simulcast) {
    const layers = simulcastLayersFor(size);
    return {
      encodings: CAMERA_SIMULCAST_ENCODINGS.slice(-layers).map((e) => ({ ...e })),
      codecOptions,
    };
  }
  return { codecOptions };
}

/** What a track says of its frame size, if anything. */
export function frameSizeOf(track: unknown): { width?: number; height?: number } | undefined {
  const settings = (
    track as { getSettings?: () => { width?: number; height?: number } }
  ).getSettings?.();
  return settings?.height ? settings : undefined;
}

/** The kind of track each media source carries. */
export const KIND_OF_SOURCE: Readonly<Record<MediaSource, MediaKind>> = {
  camera: 'video',
  microphone: 'audio',
  screen: 'video',
  'screen-audio': 'audio',
};
