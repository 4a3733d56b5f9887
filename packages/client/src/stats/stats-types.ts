import type { MediaKind, MediaSource } from '@cascade/contracts';

/**
 * What this client receives of one remote track, from its consumer's `inbound-rtp` statistics.
 * Counters are cumulative since the consumer was created (compare two samples for rates).
 */
export interface RemoteTrackStats {
  participantId: string;
  producerId: string;
  consumerId: string;
  kind: MediaKind;
  source: MediaSource;
  /** The publisher has muted it (its producer is paused): no packets are expected. */
  muted: boolean;
  bytesReceived: number;
  packetsReceived: number;
  /** Packets lost on the way (cumulative, as RTCP counts them). */
  packetsLost: number;
  /** Interarrival jitter, in seconds. */
  jitter: number;
  /** Video only. */
  framesDecoded?: number;
  framesPerSecond?: number;
  frameWidth?: number;
  frameHeight?: number;
  /** Audio only: the level of the last samples received, 0 to 1. */
  audioLevel?: number;
}

/** One simulcast layer (encoding) of a local video track, or the single stream of any other. */
export interface LocalEncodingStats {
  /** The encoding's RID (simulcast), if it has one. */
  rid?: string;
  /** Whether the encoding is switched on (dynacast switches off those nobody wants), if known. */
  active?: boolean;
  ssrc?: number;
  bytesSent: number;
  packetsSent: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  /** Why the encoder sends less than it was asked to: `none`, `bandwidth`, `cpu` or `other`. */
  qualityLimitationReason?: string;
  /** Packets the SFU reported lost (its RTCP receiver reports), cumulative. */
  packetsLost?: number;
  /** Round-trip time to the SFU, in seconds, from its receiver reports. */
  roundTripTime?: number;
}

/**
 * What this client sends of one of its published tracks, from its producer's `outbound-rtp`
 * statistics. A simulcast camera sends several encodings: `bytesSent`, `packetsSent` and
 * `packetsLost` are their sums, the frame size and rate are those of the largest layer being
 * sent, `qualityLimitationReason` is the first reason other than `none` (libwebrtc gives all
 * layers the same one), `roundTripTime` the largest; `encodings` has each layer, lowest first.
 */
export interface LocalTrackStats {
  source: MediaSource;
  kind: MediaKind;
  producerId: string;
  /** Muted (the producer is paused): nothing is being sent. */
  muted: boolean;
  bytesSent: number;
  packetsSent: number;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  qualityLimitationReason?: string;
  packetsLost?: number;
  roundTripTime?: number;
  encodings: LocalEncodingStats[];
}

/** One of this client's two WebRTC transports (send, receive) and its selected candidate pair. */
export interface TransportStats {
  transportId: string;
  direction: 'send' | 'recv';
  /** mediasoup-client's view of the transport: `new`, `connecting`, `connected`, `failed`... */
  connectionState: string;
  /** The selected candidate pair's latest round-trip time (STUN), in seconds. */
  currentRoundTripTime?: number;
  /** What the bandwidth estimator thinks can be sent, in bits per second (send transport). */
  availableOutgoingBitrate?: number;
  bytesSent?: number;
  bytesReceived?: number;
}

/**
 * One sample of this client's media statistics ({@link CascadeClient.getStats}): plain data (it
 * survives `JSON.stringify`), cumulative counters, taken at `timestamp`.
 */
export interface CallStats {
  /** When the sample was taken, in milliseconds since the Unix epoch. */
  timestamp: number;
  /** Every remote track this client receives. */
  remote: RemoteTrackStats[];
  /** Every local track on the server (published and not being published again). */
  local: LocalTrackStats[];
  transports: TransportStats[];
}

/** How well media flows, from best to worst; `lost` when nothing arrived at all lately. */
export type Quality = 'excellent' | 'good' | 'poor' | 'lost';

/**
 * The quality of this client's own connection (`local`) and of what it receives from each
 * remote participant (`remote`, by participant id; participants it receives no track of are
 * not in it).
 */
export interface ConnectionQuality {
  local: Quality;
  remote: Map<string, Quality>;
}
