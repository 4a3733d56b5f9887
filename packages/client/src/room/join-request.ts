import {
  JOIN_CONSUME_MAX,
  type RtpCapabilities,
  type SignalingRequestOf,
  type TransportDirection,
} from '@cascade/contracts';
import type { Device } from 'mediasoup-client';

import type { JoinOptions } from '../types';

export interface JoinRequestInput {
  displayName?: string | undefined;
  region?: string | undefined;
  /** A Device ready for the room (loaded on the pre-join screen), if any. */
  device: Device | undefined;
  /** What the application wants consumed at once (`join({ subscribe })`). */
  subscribe: JoinOptions['subscribe'];
  autoSubscribe: boolean;
}

/**
 * The `room.join` request. With a ready Device the join also makes the transports and consumes
 * what the application wants at once: `subscribe`, or with `autoSubscribe` the audio and up to
 * `JOIN_CONSUME_MAX` videos (the server's cap, which also bounds what the application asks).
 */
export function joinRequest(input: JoinRequestInput): SignalingRequestOf<'room.join'> {
  const { displayName, region, device } = input;
  const want =
    input.subscribe ??
    (input.autoSubscribe ? { audio: true, videos: JOIN_CONSUME_MAX } : undefined);
  const consume =
    device && want && (want.audio || want.videos > 0)
      ? {
          rtpCapabilities: device.recvRtpCapabilities as RtpCapabilities, // see SAME_WIRE
          audio: want.audio,
          videos: Math.min(JOIN_CONSUME_MAX, Math.max(0, Math.floor(want.videos))),
        }
      : undefined;
  return {
    ...(displayName === undefined ? {} : { displayName }),
    ...(region === undefined ? {} : { region }),
    ...(device
      ? {
          media: {
            transports: ['recv', 'send'] as TransportDirection[],
            ...(consume ? { consume } : {}),
          },
        }
      : {}),
  };
}

/** A join that makes media does the work of many requests in one: it may take longer. */
export function joinTimeout(
  request: SignalingRequestOf<'room.join'>,
  requestTimeoutMs: number,
): { timeoutMs?: number } {
  return request.media ? { timeoutMs: 2 * requestTimeoutMs } : {};
}
