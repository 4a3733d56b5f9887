/**
 * What a {@link SdkBot} (the test process) and its child process (sdk-bot-process.ts) say to
 * each other over IPC. Everything here is plain JSON: tracks and errors do not cross.
 */
import type {
  BackoffOptions,
  CallStats,
  CascadeClientEvents,
  ConnectionState,
  LocalTrackInfo,
  Quality,
  RemoteTrackInfo,
} from '@cascade/client';
import type {
  MediaSource,
  ParticipantInfo,
  ProducerInfo,
  ClientView,
  SetViewResult,
  SignalingMethod,
  SignalingResultOf,
} from '@cascade/contracts';

/** The synthetic camera and microphone a bot publishes. */
export interface BotMedia {
  video: { width: number; height: number; fps: number };
  audio: { frequencyHz: number; sampleRate: number };
}

export const DEFAULT_BOT_MEDIA: BotMedia = {
  video: { width: 320, height: 240, fps: 15 },
  audio: { frequencyHz: 440, sampleRate: 48_000 },
};

/** The sources a bot can publish (synthetic). */
export type BotSource = Extract<MediaSource, 'camera' | 'microphone'>;

/** How the child builds its CascadeClient. */
export interface BotInit {
  name: string;
  url: string | string[];
  /** The join token; absent when the test process hands out tokens (`token` RPC). */
  token?: string;
  displayName?: string;
  publish: { camera: boolean; microphone: boolean };
  media: BotMedia;
  autoSubscribe?: boolean;
  resume?: boolean;
  reconnect?: BackoffOptions;
  requestTimeoutMs?: number;
  /** `relay`: media only through the TURN servers the gateway hands out. */
  iceTransportPolicy?: 'all' | 'relay';
  /** Write the SDK's debug log to stderr. */
  debug?: boolean;
}

type WithoutTrack<T> = T extends { track: unknown } ? Omit<T, 'track'> : T;

/** An error event, as it crosses IPC. */
export interface BotError {
  name: string;
  message: string;
  code?: string;
}

/** A connection quality event, as it crosses IPC: the remote grades as an object. */
export interface BotConnectionQuality {
  local: Quality;
  remote: Record<string, Quality>;
}

/**
 * One SDK event as the bot recorded it: in order, with its payload (tracks left out, maps as
 * objects).
 */
export type BotEvent = {
  [K in keyof CascadeClientEvents]: {
    type: K;
    payload: K extends 'error'
      ? BotError
      : K extends 'connectionQuality'
        ? BotConnectionQuality
        : WithoutTrack<CascadeClientEvents[K]>;
    /** Milliseconds since the Unix epoch, in the bot process. */
    at: number;
  };
}[keyof CascadeClientEvents];

export type BotEventType = BotEvent['type'];
export type BotEventOf<K extends BotEventType> = Extract<BotEvent, { type: K }>;

/** What a bot decoded from one remote producer. */
export interface ReceivedTrack {
  participantId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  consumerId: string;
  /** Still being received (false once its track was removed). */
  active: boolean;
  /** Video: frames decoded. */
  decodedFrames: number;
  /** Video: size of the last frame. */
  width: number;
  height: number;
  /** Audio: samples (per channel) decoded, and chunks (~10 ms each). */
  samples: number;
  chunks: number;
  /** Audio: largest absolute sample value seen, 0–32767 (a tone, not silence, is loud). */
  peak: number;
  /** When the first and the last frame or chunk was decoded (ms since the epoch; 0: never). */
  firstAt: number;
  lastAt: number;
  /**
   * When the first frame or chunk of the current consumer was decoded (0: not yet): a track
   * consumed again under the same producer (a rejoin after a failover) starts it over.
   */
  consumerFirstAt: number;
}

/** The room as a bot's client sees it (tracks left out). */
export interface BotRoom {
  tenantId: string;
  roomId: string;
  participantId: string;
  userId: string;
  displayName: string;
  /** `viewer` for a subscribe-only token. */
  role: 'speaker' | 'viewer';
  participants: ParticipantInfo[];
  /** How many viewers the room had when this was read. */
  viewers: number;
  producers: ProducerInfo[];
  tracks: RemoteTrackInfo[];
  local: LocalTrackInfo[];
}

export interface BotState {
  connectionState: ConnectionState;
  url: string | undefined;
  participantId: string | undefined;
  room: BotRoom | undefined;
}

/** Key of a result that is in fact a CascadeError's envelope (the RPC carries errors as text). */
export const CASCADE_ERROR = '__cascadeError';

/** What the test process asks of a bot. */
export interface BotMethods {
  init(p: BotInit): void;
  join(p: void): BotRoom;
  publish(p: { source: BotSource }): { producerId: string | undefined };
  /** Publishes a fresh synthetic track as `source` (`replaceTrack`); the old one stops. */
  replaceTrack(p: { source: BotSource }): LocalTrackInfo;
  stats(p: void): CallStats;
  startQualityMonitor(p: { intervalMs: number }): void;
  received(p: void): Record<string, ReceivedTrack>;
  events(p: void): BotEvent[];
  state(p: void): BotState;
  dropSocket(p: void): void;
  chat(p: { text: string }): SignalingResultOf<'chat.send'>;
  mute(p: { source: MediaSource }): void;
  unmute(p: { source: MediaSource }): void;
  setPreferredLayers(p: { id: string; spatial: number; temporal?: number }): void;
  /** `CascadeClient.setView`. */
  setView(p: ClientView): SetViewResult;
  request(p: { method: SignalingMethod; payload: unknown }): unknown;
  leave(p: void): void;
  /**
   * Forgets the client (leaving first if it has not), its events and what it received, so that
   * `init` may start another in the same process: a new participant without a new process.
   */
  reset(p: void): void;
  exit(p: void): void;
}

/** What a bot asks of the test process. */
export interface BotHostMethods {
  ready(p: void): void;
  /** A fresh join token (when the bot was started with a token function). */
  token(p: void): string;
}
