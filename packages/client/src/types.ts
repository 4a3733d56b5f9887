import type { SignalingTransport } from './signaling/signaling-socket';
import type {
  JoinResult,
  MediaKind,
  MediaSource,
  ParticipantInfo,
  ParticipantLeftReason,
  ProducerInfo,
  SignalingChatMessage,
  SignalingEventOf,
  UserEvent,
} from '@cascade/contracts';

import type { types as client } from 'mediasoup-client';

import type { CascadeLogger } from './logger';
import type { ConnectionQuality } from './stats/stats-types';
import type { TimingEntry } from './timing';

/**
 * The parts of a W3C `MediaStreamTrack` the SDK relies on: a browser's own tracks and
 * @roamhq/wrtc's have them.
 */
export interface MediaTrackLike {
  readonly id: string;
  readonly kind: string;
  enabled: boolean;
  readonly readyState: string;
  stop(): void;
}

/**
 * A media track: the DOM's `MediaStreamTrack` where the DOM types are in scope (a browser app),
 * {@link MediaTrackLike} elsewhere (Node).
 */
export type MediaTrack = typeof globalThis extends { MediaStreamTrack: { prototype: infer T } }
  ? T
  : MediaTrackLike;

/** The mediasoup-client handlers a Device can use (`Chrome111` on Node with @roamhq/wrtc). */
export type HandlerName = 'Chrome111' | 'Chrome74' | 'Firefox120' | 'Safari12' | 'ReactNative106';

/** Where join tokens come from: one token, or a function asked before every (re)connection. */
export type TokenSource = string | (() => string | Promise<string>);

/** How reconnection attempts are spaced. */
export interface BackoffOptions {
  /** Delay before the first attempt after a drop (ms, default 250). */
  initialDelayMs?: number;
  /** Largest delay between attempts (ms, default 5000). */
  maxDelayMs?: number;
  /** Growth of the delay per attempt (default 2). */
  multiplier?: number;
  /** Random spread of each delay, as a fraction of it (default 0.2: ±20 %). */
  jitter?: number;
  /** Attempts after a drop before the client gives up (default 30). */
  maxAttempts?: number;
}

export interface CascadeClientOptions {
  /**
   * The gateway, or several gateways: the first connection tries them in order; each
   * reconnection moves on to the next one.
   */
  url: string | readonly string[];
  /** The join token (JWT, audience `cascade-join`), or a function that fetches a fresh one. */
  token: TokenSource;
  /**
   * Ignored by the gateway: the name others see is the join token's (the user's profile name,
   * or the name the API key minted). Kept for compatibility.
   */
  displayName?: string;
  /** Preferred media region (the orchestrator's choice otherwise). */
  region?: string;
  /** The mediasoup-client handler; detected from the browser when omitted. Node: `Chrome111`. */
  handlerName?: HandlerName;
  /** Consume every producer of the room as it appears (default true). */
  autoSubscribe?: boolean;
  /**
   * Once connected, load the media Device with the capabilities the gateway expects the room to
   * have, so that `join()` finds it ready (default true: call `connect()` on the pre-join screen
   * and the join is shorter).
   */
  prepareMedia?: boolean;
  /**
   * With a prepared Device, `join()` asks the gateway to make the transports and the consumers
   * it wants in the join itself (one round trip instead of one per step; default true). Turn it
   * off for a gateway older than this SDK, or to measure the difference.
   */
  joinMedia?: boolean;
  /** Take the session back with its resume token after a dropped connection (default true). */
  resume?: boolean;
  /** How long a request waits for its acknowledgement (ms, default 10000). */
  requestTimeoutMs?: number;
  /** How long one connection attempt may take (ms, default 10000). */
  connectTimeoutMs?: number;
  /** Spacing of reconnection attempts. */
  reconnect?: BackoffOptions;
  /** Socket.IO path on the gateway (default `/socket.io`). */
  path?: string;
  /**
   * `websocket` (default): WebSocket only, from any origin. `websocket-or-polling`: long-polling
   * where WebSockets are blocked, with credentials (the gateway's sticky cookie); the gateway
   * must allow the page's origin (the tenant's `allowedOrigins`, or `GATEWAY_CORS_ORIGINS`). See
   * {@link SignalingTransport}.
   */
  transport?: SignalingTransport;
  /**
   * Which ICE candidates the media transports may use: `all` (default) or `relay`, only through
   * the TURN servers the gateway hands out (to test TURN, or to hide the client's addresses).
   */
  iceTransportPolicy?: 'all' | 'relay';
  logger?: CascadeLogger;
}

/** The connection as the application sees it. */
/** What `join()` does beyond entering the room. */
export interface JoinOptions {
  /**
   * What the join consumes in the same round trip, so that the first remote media arrives
   * sooner: the audio of everyone, and the video of up to `videos` participants in the order
   * a grid shows them (screen shares, the active speaker, then by when they joined). Default:
   * everything (up to the server's limit) with `autoSubscribe`, nothing without it. Anything
   * consumed here the application may unsubscribe from like any other track.
   */
  subscribe?: { audio: boolean; videos: number };
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** A remote producer this client consumes. */
export interface RemoteTrackInfo {
  participantId: string;
  producerId: string;
  consumerId: string;
  kind: MediaKind;
  source: MediaSource;
  /** The publisher has muted it (its producer is paused). */
  muted: boolean;
}

export interface RemoteTrack extends RemoteTrackInfo {
  track: MediaTrack;
}

/**
 * One of this client's own published tracks, as `room.local` lists them (by source, from the
 * moment `publish` is called until it is unpublished). Its events: `trackPublished` (on the
 * server), `localTrackMuted` and `localTrackUnmuted`, `localTrackReplaced`, `trackUnpublished`.
 */
export interface LocalTrackInfo {
  source: MediaSource;
  kind: MediaKind;
  /** Undefined while it is being (re)published. */
  producerId: string | undefined;
  /** Muted by `mute` (or published muted): its producer is paused and its track disabled. */
  muted: boolean;
}

export interface LocalTrack extends LocalTrackInfo {
  track: MediaTrack;
}

export interface TrackMuteEvent {
  participantId: string;
  producerId: string;
  kind: MediaKind;
  source: MediaSource;
}

export interface LayersChangedEvent {
  participantId: string;
  producerId: string;
  consumerId: string;
  spatialLayer: number | null;
  temporalLayer: number | null;
}

export interface TrackPublishedEvent {
  source: MediaSource;
  kind: MediaKind;
  producerId: string;
}

/**
 * Why a local track's producer went away:
 * - `unpublished`: the application unpublished it (`unpublish`);
 * - `ended`: its track ended by itself (the browser's "Stop sharing" button, a camera
 *   unplugged), so the SDK unpublished it;
 * - `interrupted`: the session lost it (a rejoin after a lost connection or media node). The
 *   publication stays in `room.local` and is published again by itself (`trackPublished` with a
 *   new producer id follows); should it be unpublished or end before that, `trackUnpublished`
 *   comes again with that reason.
 */
export type UnpublishReason = 'unpublished' | 'ended' | 'interrupted';

export interface TrackUnpublishedEvent extends TrackPublishedEvent {
  reason: UnpublishReason;
}

export type RemovedReason = SignalingEventOf<'session.removed'>['reason'];

/**
 * A moderator (participant `by`, with the `admin` grant) muted this client's microphone or camera
 * (`participant.mute`): the server paused its producer `producerId`. The SDK has marked the
 * source muted as `mute(source)` would (`room.local`, and `localTrackMuted` just before this
 * event), so `unmute(source)` resumes it when the user chooses to; nobody else can.
 */
export type ModeratorMuteEvent = SignalingEventOf<'producer.mutedByModerator'>;

/**
 * The session came back after a dropped connection or a lost media node: `resumed` kept the
 * session (same participant, transports restarted), `rejoined` joined the room again and
 * republished and resubscribed everything.
 */
export interface SessionRestoredEvent {
  mode: 'resumed' | 'rejoined';
  participantId: string;
  url: string;
}

/** Every event of a {@link CascadeClient}, by name, with its payload. */
export interface CascadeClientEvents {
  connectionState: ConnectionState;
  /** Someone entered the room after this client joined. */
  participantJoined: ParticipantInfo;
  participantLeft: { participantId: string; reason: ParticipantLeftReason };
  /** A remote track is ready to play (consumed and resumed). */
  trackAdded: RemoteTrack;
  trackRemoved: RemoteTrackInfo;
  trackMuted: TrackMuteEvent;
  trackUnmuted: TrackMuteEvent;
  /** The layers the SFU forwards for a simulcast or SVC track changed. */
  layersChanged: LayersChangedEvent;
  /** One of this client's tracks is on the server. */
  trackPublished: TrackPublishedEvent;
  /** One of this client's tracks is no longer on the server; `reason` says why. */
  trackUnpublished: TrackUnpublishedEvent;
  /** One of this client's tracks was muted (`mute`): remote tracks have `trackMuted`. */
  localTrackMuted: LocalTrack;
  localTrackUnmuted: LocalTrack;
  /** One of this client's publications sends another track (`replaceTrack`). */
  localTrackReplaced: LocalTrack;
  /**
   * The connection quality changed (only while {@link CascadeClient.startQualityMonitor} runs;
   * the first one comes with the first sample).
   */
  connectionQuality: ConnectionQuality;
  /** A moderator muted one of this client's sources (it is muted here too): show who, and why. */
  mutedByModerator: ModeratorMuteEvent;
  activeSpeaker: { participantId: string; producerId: string };
  /**
   * The room's count of viewers changed (a webinar's audience: subscribe-only participants,
   * counted and not listed; `client.viewerCount` holds the latest).
   */
  viewerCount: { count: number };
  chat: SignalingChatMessage;
  /** A user notification (an invitation, a friend request), wherever the user is. */
  notification: UserEvent;
  sessionRestored: SessionRestoredEvent;
  /** This participant is out of the room for good (kicked, replaced, room closed, expired). */
  removed: { reason: RemovedReason };
  /** How long a step of joining or receiving took (see {@link TimingStep}). */
  timing: TimingEntry;
  /** Something failed that no call of the application can be told about. */
  error: Error;
}

export type CascadeClientEventName = keyof CascadeClientEvents;

/** The room as this client sees it. */
export interface RoomState {
  tenantId: string;
  roomId: string;
  participantId: string;
  userId: string;
  displayName: string;
  grants: JoinResult['grants'];
  /** `viewer` when the token grants subscribe without publish: no tile, no producers. */
  role: JoinResult['role'];
  /** Every other speaker in the room (viewers are counted in `viewers`, not listed). */
  participants: ParticipantInfo[];
  /** How many viewers the room has (this client included when it is one). */
  viewers: number;
  /** Everything the others publish. */
  producers: ProducerInfo[];
  /** What this client receives. */
  tracks: RemoteTrack[];
  /** What this client publishes. */
  local: LocalTrack[];
}

export interface PublishOptions {
  /** Publish it muted (paused): nothing is sent until `unmute`. */
  muted?: boolean;
  /** Camera video only: simulcast layers (default true). */
  simulcast?: boolean;
  /**
   * The frame size of a video track, when the track cannot tell it (`getSettings()`: Node's
   * synthetic tracks). It decides how many simulcast layers the camera sends: three from about
   * 960x540, fewer below, as libwebrtc allows.
   */
  size?: { width: number; height: number };
  /** Replaces the encodings the source would get. */
  encodings?: client.RtpEncodingParameters[];
}
