import {
  CascadeError,
  type JoinResult,
  type MediaKind,
  type MediaSource,
  type ClientView,
  type ResumeResult,
  type SetViewResult,
  type SignalingEventName,
  SignalingEvents,
  type SignalingEventOf,
  type SignalingMethod,
  type SignalingRequestOf,
  type SignalingResultOf,
} from '@cascade/contracts';
import type { Device } from 'mediasoup-client';

import { ConnectionMachine, type ConnectionEvent } from './connection/connection-machine';
import { type CascadeLogger, silentLogger } from './logger';
import { captureCamera, captureMicrophone, captureScreen } from './media/capture';
import { DeviceLoader } from './media/device-loader';
import { frameSizeOf, KIND_OF_SOURCE, publishProfile } from './media/encodings';
import { chooseLayers, layerSpaceOf, layerTargets } from './media/layers';
import { localTrack, type Publication, Publications } from './media/publications';
import { PublishedLayers } from './media/published-layers';
import { Subscriptions } from './media/subscriptions';
import { resolveBackoff } from './reconnect/backoff';
import { type Connection, Connector } from './reconnect/connector';
import { retrying, RetryPolicy } from './reconnect/retry-policy';
import { TokenRefresher } from './reconnect/token-refresher';
import { joinRequest, joinTimeout } from './room/join-request';
import { type RoomEffect, type RoomEventName, RoomModel } from './room/room-model';
import { type SessionMode, SessionMedia } from './session/session-media';
import { EventHold } from './signaling/event-hold';
import { isConnectionLost, noAnswer, type SignalingChannel } from './signaling/signaling-channel';
import {
  type SignalingSocket,
  type SocketFactory,
  socketIoFactory,
} from './signaling/signaling-socket';
import { QualityMonitor } from './stats/quality-monitor';
import type { CallStats, ConnectionQuality } from './stats/stats-types';
import { takeCallStats } from './stats/take-call-stats';
import { Timings } from './timing';
import { TypedEmitter } from './typed-emitter';
import { ViewSync } from './view/view-sync';
import type {
  CascadeClientEvents,
  CascadeClientOptions,
  ConnectionState,
  HandlerName,
  JoinOptions,
  LocalTrack,
  MediaTrack,
  PublishOptions,
  RemoteTrack,
  RoomState,
} from './types';

// SAME_WIRE: the contracts' schemas describe the JSON mediasoup-client exchanges with the
// gateway; their TypeScript types differ only in how narrowly they spell some strings.

/**
 * What tests replace: how sockets and Devices are made, and time. Not for applications.
 */
export interface CascadeClientSeams {
  socketFactory?: SocketFactory;
  deviceFactory?: (handlerName: HandlerName | undefined) => Device | Promise<Device>;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The clock of stats samples and of the chat retry window (ms since the epoch). */
  now?: () => number;
}

/** Server events the room model takes (the session ones are the client's own). */
const ROOM_EVENTS = (Object.keys(SignalingEvents) as SignalingEventName[]).filter(
  (event): event is RoomEventName =>
    event !== 'session.reconnectRequired' && event !== 'session.removed',
);

/** A server event, with the connection it came on. */
interface ReceivedEvent {
  channel: SignalingChannel;
  event: SignalingEventName;
  payload: unknown;
}

/**
 * A participant of a Cascade room: the client SDK, in browsers and in Node (@roamhq/wrtc with
 * `handlerName: 'Chrome111'`, see {@link installWebRtcGlobals}).
 *
 * ```ts
 * const client = new CascadeClient({ url: ['wss://gw1', 'wss://gw2'], token: fetchToken });
 * client.on('trackAdded', ({ participantId, source, track }) => attach(participantId, source, track));
 * const room = await client.join();
 * await client.publishCamera();
 * await client.publishMicrophone();
 * ...
 * await client.leave();
 * ```
 *
 * It keeps itself in the room: when the connection drops it reconnects (to the next gateway, with
 * backoff) and takes its session back with the resume token, restarting ICE on the transports
 * that survived; when the session cannot be taken back, or the media node was lost, it joins
 * again and republishes and resubscribes everything. Its events say what happened
 * ({@link CascadeClientEvents}).
 */
export class CascadeClient extends TypedEmitter<CascadeClientEvents> {
  readonly #options: CascadeClientOptions & { autoSubscribe: boolean; resume: boolean };
  readonly #logger: CascadeLogger;
  readonly #connector: Connector;
  readonly #retry: RetryPolicy;
  readonly #connection: ConnectionMachine;
  readonly #devices: DeviceLoader;
  readonly #events: EventHold<ReceivedEvent>;
  readonly #seams: CascadeClientSeams;
  readonly #timings = new Timings((entry) => this.emit('timing', entry));
  readonly #model: RoomModel;
  readonly #publications: Publications;
  /** Dynacast: the layers of its producers that nobody wants are not sent. */
  readonly #layers = new PublishedLayers();
  readonly #subscriptions: Subscriptions;
  readonly #qualityMonitor: QualityMonitor;
  readonly #tokenRefresher: TokenRefresher;
  readonly #view: ViewSync;

  #channel: SignalingChannel | undefined;
  #url: string | undefined;
  /** The latest join (or resume) result: set once the client is in the room. */
  #join: JoinResult | undefined;
  #joining: Promise<RoomState> | undefined;
  #connecting: Promise<void> | undefined;
  /** The Device the last join request's consumers were asked for. */
  #joinDevice: Device | undefined;
  /** What joins consume at once (`join({ subscribe })`). */
  #joinSubscribe: JoinOptions['subscribe'];
  readonly #media: SessionMedia;
  /** Restores run one after the other. */
  #serial: Promise<void> = Promise.resolve();

  constructor(options: CascadeClientOptions, seams: CascadeClientSeams = {}) {
    super();
    this.#options = { autoSubscribe: true, resume: true, ...options };
    this.#logger = options.logger ?? silentLogger;
    this.#seams = seams;
    this.#retry = new RetryPolicy(resolveBackoff(options.reconnect), seams.random);
    this.#connection = new ConnectionMachine({
      changed: (state) => this.emit('connectionState', state),
      invalid: (state, event) =>
        this.#logger.error('connection state machine: unexpected event', { state, event }),
    });
    this.#devices = new DeviceLoader({
      handlerName: options.handlerName,
      ...(seams.deviceFactory ? { deviceFactory: seams.deviceFactory } : {}),
      timings: this.#timings,
      logger: this.#logger,
    });
    // Server events received while the room is being restored are replayed after it (what a
    // stale connection sent is dropped).
    this.#events = new EventHold<ReceivedEvent>(
      ({ event, payload }) => this.#handle(event, payload),
      ({ channel }) => channel !== this.#channel || this.#ended !== undefined,
    );
    this.#model = new RoomModel({ autoSubscribe: this.#options.autoSubscribe });
    const request = this.request.bind(this);
    this.#media = new SessionMedia({
      request: (method, payload) => this.request(method, payload),
      iceTransportPolicy: options.iceTransportPolicy,
      logger: this.#logger,
      timings: this.#timings,
      restartIceNow: () => this.#connection.state === 'connected',
      report: (error) => this.#report(error),
    });
    this.#publications = new Publications({
      media: () => this.#media.current,
      request,
      announce: (event, payload) => this.emit(event, payload),
      report: (error) => this.#report(error),
      ended: () => this.#ended !== undefined,
    });
    this.#qualityMonitor = new QualityMonitor({
      stats: () => this.getStats(),
      onChange: ({ local, remote }) =>
        this.emit('connectionQuality', { local, remote: new Map(remote) }),
      onError: (error) => this.#logger.debug('no stats for the quality', { error: String(error) }),
    });
    this.#subscriptions = new Subscriptions({
      model: this.#model,
      media: () => this.#media.current,
      request,
      announce: (event: 'trackAdded' | 'trackRemoved', payload: never) => this.emit(event, payload),
      logger: this.#logger,
      sleep: (ms) => this.#sleep(ms),
      goneMeanwhile: (producerId) => {
        const owner = this.#model.producers.get(producerId)?.participantId;
        return this.#events.someHeld(
          ({ event, payload }) =>
            (event === 'producer.closed' &&
              (payload as SignalingEventOf<'producer.closed'>).producerId === producerId) ||
            (event === 'participant.left' &&
              (payload as SignalingEventOf<'participant.left'>).participantId === owner),
        );
      },
    });
    this.#view = new ViewSync({
      send: (view) => this.request('room.setView', view),
      logger: this.#logger,
    });
    this.#tokenRefresher = new TokenRefresher({
      token: options.token,
      send: (token) => this.request('session.refresh', { token }),
      logger: this.#logger,
      ...(seams.now ? { now: seams.now } : {}),
    });
    this.#connector = new Connector({
      urls: options.url,
      token: options.token,
      resume: this.#options.resume,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      retry: this.#retry,
      ...(options.path === undefined ? {} : { path: options.path }),
      ...(options.transport === undefined ? {} : { transport: options.transport }),
      socketFactory: seams.socketFactory ?? socketIoFactory,
      logger: this.#logger,
      ...(seams.sleep ? { sleep: seams.sleep } : {}),
    });
  }

  /** Set once for good: the client left, was removed, or gave up. */
  get #ended() {
    return this.#connection.ended;
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────

  get connectionState(): ConnectionState {
    return this.#connection.state;
  }

  /** The gateway this client is connected to (the last one, while reconnecting). */
  get url(): string | undefined {
    return this.#url;
  }

  /** This participant's id, once joined (a rejoin after an expired session changes it). */
  get participantId(): string | undefined {
    return this.#join?.participantId;
  }

  /** How many viewers the room has (0 before joining); `viewerCount` events tell changes. */
  get viewerCount(): number {
    return this.#model.viewers;
  }

  /** The room as this client sees it, once joined. */
  get room(): RoomState | undefined {
    const join = this.#join;
    if (!join) return undefined;
    const { tenantId, roomId, participantId, userId, displayName, grants, role } = join;
    return {
      tenantId,
      roomId,
      participantId,
      userId,
      displayName,
      grants,
      role,
      participants: [...this.#model.participants.values()].map((p) => ({ ...p })),
      viewers: this.#model.viewers,
      producers: [...this.#model.producers.values()].map((p) => ({ ...p })),
      tracks: this.#subscriptions.snapshot(),
      local: this.#publications.snapshot(),
    };
  }

  /** The mediasoup-client Device, once joined (advanced uses: stats, capabilities). */
  get device(): Device | undefined {
    return this.#devices.device;
  }

  /** The current Socket.IO socket (diagnostics). */
  get socket(): SignalingSocket | undefined {
    return this.#channel?.socket;
  }

  // ── connection ───────────────────────────────────────────────────────────────────────────

  /**
   * Opens the signaling connection: each gateway URL once, in order, until one accepts the
   * handshake. A refusal rejects with its {@link CascadeError} (`UNAUTHENTICATED`, `FORBIDDEN`,
   * `UNSUPPORTED_PROTOCOL`...). {@link join} connects by itself.
   */
  async connect(): Promise<void> {
    this.#assertUsable();
    if (this.#channel?.connected) return;
    if (this.#connection.state === 'reconnecting') return this.#untilConnected();
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  /**
   * Joins the room the token grants (connecting first if needed): loads the Device with the
   * room's capabilities and, with `autoSubscribe`, consumes everything already published before
   * it resolves. Resolves with the room; later changes arrive as events.
   */
  async join(options: JoinOptions = {}): Promise<RoomState> {
    this.#assertUsable();
    if (this.#join) return this.room as RoomState;
    if (options.subscribe) this.#joinSubscribe = options.subscribe;
    this.#joining ??= this.#joinRoom().finally(() => (this.#joining = undefined));
    return this.#joining;
  }

  /** Leaves the room and closes everything (owned tracks stop). The client is done after it. */
  async leave(): Promise<void> {
    if (this.#ended) return;
    const channel = this.#channel;
    const joined = this.#join !== undefined;
    this.#connection.end('left');
    if (joined && channel?.connected) {
      await channel.request('room.leave', {}, 3_000).catch((error: unknown) => {
        this.#logger.warn('room.leave failed', { error: String(error) });
      });
    }
    this.#teardown();
  }

  /**
   * Sends one signaling request and resolves with its result, or rejects with the gateway's
   * {@link CascadeError} (`TIMEOUT` without an answer, `NODE_UNAVAILABLE` when the connection
   * went away first). A request the gateway's rate limit turned away (`RATE_LIMITED`, which it
   * did not carry out) is sent again after the delay the gateway asks for, a few times. For what
   * the SDK has no method for (`participant.list`, `participant.remove`).
   */
  async request<M extends SignalingMethod>(
    method: M,
    payload: SignalingRequestOf<M>,
    options: { timeoutMs?: number } = {},
  ): Promise<SignalingResultOf<M>> {
    return retrying(
      () => {
        const channel = this.#channel;
        if (!channel) throw noAnswer(method, 'disconnected');
        return channel.request(method, payload, options.timeoutMs);
      },
      (error, attempt) => {
        const delay = this.#retry.resendDelay(error, attempt);
        if (delay !== undefined)
          this.#logger.debug('rate limited: sending again', { method, attempt, delay });
        return delay;
      },
      (ms) => this.#sleep(ms),
    );
  }

  /**
   * Closes the connection as a network failure would, without leaving: the client reconnects
   * and resumes on its own. For tests and diagnostics.
   */
  dropConnection(): void {
    this.#channel?.drop();
  }

  // ── publishing ───────────────────────────────────────────────────────────────────────────

  /**
   * Publishes camera video in three simulcast layers (fewer for a camera under about 960x540:
   * see {@link PublishOptions.size}). Without a track the camera is captured (`getUserMedia`,
   * browsers); in Node pass one.
   */
  async publishCamera(track?: MediaTrack, options: PublishOptions = {}): Promise<LocalTrack> {
    return this.publish('camera', track ?? (await this.#capture(captureCamera)), {
      ...options,
      owned: track === undefined,
    });
  }

  /** Publishes the microphone (captured with `getUserMedia` without a track). */
  async publishMicrophone(track?: MediaTrack, options: PublishOptions = {}): Promise<LocalTrack> {
    return this.publish('microphone', track ?? (await this.#capture(captureMicrophone)), {
      ...options,
      owned: track === undefined,
    });
  }

  /**
   * Publishes a screen. Without a track the screen is captured (`getDisplayMedia`), with its
   * audio as `screen-audio` when the browser shares some.
   */
  async publishScreen(track?: MediaTrack, options: PublishOptions = {}): Promise<LocalTrack> {
    if (track) return this.publish('screen', track, options);
    this.#assertJoined();
    const { video, audio } = await captureScreen();
    const published = await this.publish('screen', video, { ...options, owned: true });
    if (audio) await this.publish('screen-audio', audio, { ...options, owned: true });
    return published;
  }

  /**
   * Publishes `track` as `source`. Publishing a source again replaces its track. While the
   * client is reconnecting it waits; the track is published again by itself after a rejoin.
   */
  async publish(
    source: MediaSource,
    track: MediaTrack,
    options: PublishOptions & { owned?: boolean } = {},
  ): Promise<LocalTrack> {
    this.#assertJoined();
    const kind = kindOf(source, track);
    const existing = this.#publications.get(source);
    if (existing) {
      await this.#publications.replaceTrack(existing, track, options.owned ?? false);
      return localTrack(existing);
    }
    const size = options.size ?? frameSizeOf(track);
    const profile = publishProfile(source, kind, {
      simulcast: options.simulcast ?? true,
      ...(size ? { size } : {}),
    });
    if (options.encodings) profile.encodings = options.encodings.map((e) => ({ ...e }));
    const publication: Publication = {
      source,
      kind,
      track,
      owned: options.owned ?? false,
      muted: options.muted ?? false,
      profile,
    };
    this.#publications.add(publication);
    try {
      await retrying(
        async () => {
          await this.#untilConnected();
          await this.#publications.produce(publication);
        },
        // A connection lost meanwhile: the restored session publishes it; wait for that.
        (error, attempt) =>
          this.#retry.republish(error, attempt) && this.#publications.isCurrent(publication)
            ? 0
            : undefined,
        (ms) => this.#sleep(ms),
      );
    } catch (error) {
      this.#publications.delete(publication);
      throw error;
    }
    return localTrack(publication);
  }

  /**
   * Switches a published source to another track (another camera or microphone, say) without a
   * new producer: others keep receiving on the same track, which now carries the new one's media.
   * The mute state stays: a muted source stays paused, and the new track is enabled only if the
   * source is unmuted. The old track is stopped if the SDK captured it, and left to the
   * application otherwise; the new one is the application's (it stops it), unless `owned`.
   * Announced as `localTrackReplaced`. While the client is reconnecting the new track is taken
   * at once and published when the session is back.
   *
   * Rejects with `NOT_FOUND` when nothing is published as `source`, `INVALID_ARGUMENT` for a
   * track of the wrong kind or one that has ended.
   */
  async replaceTrack(
    source: MediaSource,
    track: MediaTrack,
    options: { owned?: boolean } = {},
  ): Promise<LocalTrack> {
    this.#assertJoined();
    kindOf(source, track);
    const publication = this.#publications.get(source);
    if (!publication) throw new CascadeError('NOT_FOUND', `nothing is published as ${source}`);
    await this.#publications.replaceTrack(publication, track, options.owned ?? false);
    return localTrack(publication);
  }

  /**
   * Stops publishing `source` (its producer closes; a track the SDK captured stops), announced
   * as `trackUnpublished` with reason `unpublished`. A published track that ends by itself (the
   * browser's "Stop sharing") is unpublished the same way, with reason `ended`.
   */
  unpublish(source: MediaSource): Promise<void> {
    return this.#publications.unpublish(source);
  }

  /**
   * Mutes one of this client's sources: its track is disabled and its producer pauses here and
   * on the server. `room.local` says it at once, announced as `localTrackMuted` (the others get
   * `trackMuted`). Rejects with `NOT_FOUND` when nothing is published as `source`.
   */
  mute(source: MediaSource): Promise<void> {
    return this.#publications.setMuted(source, true);
  }

  /** Unmutes one of this client's sources (`localTrackUnmuted`; the others get `trackUnmuted`). */
  unmute(source: MediaSource): Promise<void> {
    return this.#publications.setMuted(source, false);
  }

  // ── statistics ───────────────────────────────────────────────────────────────────────────

  /**
   * One sample of this client's media statistics, from its transports' `getStats()`: every
   * remote track it receives (bytes, packets, loss, jitter, decoded frames, audio level), every
   * local track on the server (bytes and packets sent, frame size and rate, quality limitation,
   * loss the SFU reports; simulcast layers summed, and each in `encodings`), and each transport's
   * selected candidate pair (round-trip time, available outgoing bitrate). Counters are
   * cumulative: compare two samples for rates, or see `connectionQuality()`. Works in
   * browsers and on @roamhq/wrtc. Rejects with `CONFLICT` before the client joined.
   */
  async getStats(): Promise<CallStats> {
    this.#assertJoined();
    return takeCallStats({
      media: this.#media.current,
      tracks: this.#model.tracks.values(),
      publications: this.#publications.values(),
      now: this.#seams.now ?? Date.now,
      logger: this.#logger,
    });
  }

  /**
   * Watches the connection quality: every `intervalMs` it takes a {@link getStats} sample and
   * emits `connectionQuality` (`{ local, remote }`, see `connectionQuality()`) when it
   * differs from the last one emitted, and once with the first sample. Opt-in (stats cost a
   * little CPU); calling it again restarts it with the new interval (under a second, nothing is
   * ever `lost`: see `STALL_MIN_INTERVAL_MS`). It may start before `join` (samples begin once
   * joined) and stops when the client is done.
   */
  startQualityMonitor(intervalMs = 2_000): void {
    this.#assertUsable();
    this.#qualityMonitor.start(intervalMs);
  }

  /** Stops the quality monitor (a later start begins afresh, with a first `connectionQuality`). */
  stopQualityMonitor(): void {
    this.#qualityMonitor.stop();
  }

  /** The connection quality last emitted, while the quality monitor runs. */
  get quality(): ConnectionQuality | undefined {
    const quality = this.#qualityMonitor.quality;
    return quality && { local: quality.local, remote: new Map(quality.remote) };
  }

  // ── subscribing ──────────────────────────────────────────────────────────────────────────

  /**
   * Consumes a remote producer (done by itself with `autoSubscribe`); resolves with its track
   * (also announced as `trackAdded`).
   */
  async subscribe(producerId: string): Promise<RemoteTrack> {
    this.#assertJoined();
    const track = await this.#subscriptions.subscribe(producerId);
    if (!track) throw new CascadeError('NOT_FOUND', `no producer ${producerId} to consume`);
    return track;
  }

  /**
   * Stops receiving a track, named by its producer id or its consumer id (`autoSubscribe` does
   * not take it again).
   */
  unsubscribe(id: string): Promise<void> {
    return this.#subscriptions.unsubscribe(id);
  }

  /**
   * Chooses the simulcast/SVC layers the SFU forwards: for one track (its consumer id) or for
   * every video track of a participant (its participant id). Layers are clamped to what each
   * stream has (0 = lowest); without `temporal` the SFU takes the highest of that spatial layer.
   */
  async setPreferredLayers(id: string, spatial: number, temporal?: number): Promise<void> {
    this.#assertJoined();
    const targets = layerTargets(this.#model.tracks.values(), id);
    if (targets.length === 0)
      throw new CascadeError('NOT_FOUND', `no track of ${id} to choose layers for`);
    await Promise.all(
      targets.map(async ({ consumerId }) => {
        const consumer = this.#media.current?.consumers.get(consumerId);
        if (!consumer) return;
        const space = layerSpaceOf(consumer.rtpParameters);
        if (space.spatialLayers === 1 && space.temporalLayers === 1) return; // nothing to choose
        await this.request('consumer.setPreferredLayers', {
          consumerId,
          ...chooseLayers(space, spatial, temporal),
        });
      }),
    );
  }

  /**
   * Says what this client shows, so that the server forwards only that video: the participants
   * on screen with the size each tile is drawn at (CSS pixels), and `lastN`, the most
   * participants whose video it wants. The server lets flow the video of the visible ones (in
   * the order given) and then of the room's most recent active speakers, up to `lastN`, each
   * at the simulcast layer its size asks for (a speaker not on screen at the lowest); every
   * other video consumer is paused on the server (its track stays, and gets no frames). Audio
   * is not affected. Without a view the video of up to `DEFAULT_LAST_N` participants flows.
   *
   * The latest view wins: calls made while one is on its way are sent together as one. The
   * view is sent again by itself after a reconnection. Rejects with `INVALID_ARGUMENT` (the
   * schema: at most 100 tiles, sizes 0–8192, each participant once, lastN 1–100), `NOT_FOUND`
   * (someone not in the room: the previous view stays), `CONFLICT` before joining.
   */
  async setView(view: ClientView): Promise<SetViewResult> {
    this.#assertJoined();
    return this.#view.set(view);
  }

  /** The view last set with {@link setView} (undefined: none). */
  get view(): ClientView | undefined {
    return this.#view.current;
  }

  // ── chat ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a chat message to the room (everyone gets it as `chat`, this client included), and
   * resolves once it is stored in the room's history. The message carries a `clientMessageId`
   * (a new one, or the caller's to retry a message it was refused), the same on every attempt:
   * while the outcome is unknown or the message was not stored (`NODE_UNAVAILABLE`, `TIMEOUT`, the
   * connection lost), it is sent again with it for up to `retryForMs` (10 s), and the room
   * stores and shows it once whatever happened to the earlier attempts. A refusal that retrying
   * cannot change (`RATE_LIMITED` beyond the request's own retries, `NOT_FOUND`, `CONFLICT`: the
   * key was used for another text, …) rejects at
   * once; when the time is up the last error rejects, with the `clientMessageId` in its details
   * to retry the same message later (a "retry" button).
   */
  async sendChat(
    text: string,
    options: { clientMessageId?: string; retryForMs?: number } = {},
  ): Promise<SignalingResultOf<'chat.send'>> {
    this.#assertJoined();
    const clientMessageId = options.clientMessageId ?? newClientMessageId();
    const now = this.#seams.now ?? Date.now;
    const started = now();
    try {
      return await retrying(
        () => this.request('chat.send', { text, clientMessageId }),
        (error, attempt) => {
          if (this.#ended) return undefined;
          const elapsed = now() - started;
          const delay = this.#retry.chatResendDelay(error, attempt, elapsed, options.retryForMs);
          if (delay !== undefined)
            this.#logger.debug('chat.send: sending again', { attempt, error: String(error) });
          return delay;
        },
        (ms) => this.#sleep(ms),
      );
    } catch (error) {
      if (error instanceof CascadeError)
        throw new CascadeError(error.code, error.message, { ...error.details, clientMessageId });
      throw error;
    }
  }

  protected override listenerFailed(error: unknown, event: keyof CascadeClientEvents): void {
    this.#logger.error('an event listener threw', { event, error: String(error) });
  }

  // ── connecting and joining ───────────────────────────────────────────────────────────────

  async #connect(): Promise<void> {
    const cancelled = this.#connection.staleCheck(this.#connection.nextGeneration());
    this.#setState('connect');
    try {
      const connection = await this.#timings.span('signaling.connect', undefined, () =>
        this.#connector.connect(cancelled),
      );
      if (!connection) throw new CascadeError('CONFLICT', 'the client stopped while connecting');
      this.#attach(connection);
      this.#setState('connected');
      if (this.#options.prepareMedia !== false) this.#prepareDevice();
    } catch (error) {
      if (!cancelled()) this.#setState('connectFailed');
      throw error;
    }
  }

  async #joinRoom(): Promise<RoomState> {
    await this.connect();
    this.#events.hold();
    try {
      const payload = await this.#joinPayload();
      const result = await this.#timings.span('room.join', undefined, () =>
        this.request('room.join', payload, this.#joinTimeout(payload)),
      );
      try {
        await this.#reconcile(result, 'joined');
      } catch (error) {
        // In the room but unable to take part (no usable Device, say): out again, and say why.
        this.#join = undefined;
        this.#media.discard();
        this.#model.clear();
        await this.request('room.leave', {}).catch(() => undefined);
        throw error;
      }
    } finally {
      this.#events.release();
    }
    return this.room as RoomState;
  }

  #joinTimeout(payload: SignalingRequestOf<'room.join'>): { timeoutMs?: number } {
    return joinTimeout(payload, this.#options.requestTimeoutMs ?? 10_000);
  }

  /**
   * The join request. With a Device ready (prepared on the pre-join screen), the join also makes
   * the transports and consumes what the application wants at once (see {@link JoinOptions}).
   */
  async #joinPayload(): Promise<SignalingRequestOf<'room.join'>> {
    await this.#devices.prepared();
    const device =
      this.#devices.loading || this.#options.joinMedia === false ? undefined : this.#devices.device;
    this.#joinDevice = device;
    return joinRequest({
      displayName: this.#options.displayName,
      region: this.#options.region,
      device,
      subscribe: this.#joinSubscribe,
      autoSubscribe: this.#options.autoSubscribe,
    });
  }

  #attach({ channel, url, token }: Connection): void {
    this.#channel = channel;
    this.#url = url;
    // The socket lives by its handshake's join token (a resume extends the session with it).
    this.#tokenRefresher.track(token);
    for (const event of [...ROOM_EVENTS, 'session.reconnectRequired', 'session.removed'] as const) {
      channel.on(event, (payload) => this.#receive(channel, event, payload));
    }
    channel.onDisconnect((reason) => this.#disconnected(channel, reason));
  }

  // ── server events ────────────────────────────────────────────────────────────────────────

  #receive(channel: SignalingChannel, event: SignalingEventName, payload: unknown): void {
    if (channel !== this.#channel || this.#ended) return;
    this.#events.receive({ channel, event, payload });
  }

  #handle(event: SignalingEventName, payload: unknown): void {
    switch (event) {
      case 'session.removed':
        return this.#removed((payload as SignalingEventOf<'session.removed'>).reason);
      case 'session.reconnectRequired': {
        const { reason } = payload as SignalingEventOf<'session.reconnectRequired'>;
        this.#logger.warn('the media node was lost: joining again', { reason });
        void this.#serially(() => this.#rejoinInPlace());
        return;
      }
      case 'producer.mutedByModerator': {
        const muted = payload as SignalingEventOf<'producer.mutedByModerator'>;
        if (this.#publications.mutedByServer(muted.producerId))
          this.emit('mutedByModerator', muted);
        return;
      }
      case 'producer.layers': {
        const { producerId, maxSpatialLayer } = payload as SignalingEventOf<'producer.layers'>;
        const sender = this.#publications.ofProducer(producerId)?.producer?.rtpSender;
        this.#logger.debug('layers nobody wants are switched off', {
          producerId,
          maxSpatialLayer,
          sender: sender !== undefined,
        });
        if (sender)
          void this.#layers.limit(sender, maxSpatialLayer).catch((error: unknown) =>
            this.#logger.warn('the layers nobody wants were not switched', {
              producerId,
              error: String(error),
            }),
          );
        return;
      }
      case 'producer.closed': {
        const { producerId } = payload as SignalingEventOf<'producer.closed'>;
        const own = this.#publications.ofProducer(producerId);
        if (own) return void own.producer?.close();
        break;
      }
    }
    if (!this.#join) return;
    void this.#settle(this.#run(this.#model.apply(event as RoomEventName, payload as never)));
  }

  /** Carries out what the room model decided; resolves with the subscriptions it started. */
  #run(effects: RoomEffect[]): Array<Promise<unknown>> {
    const subscriptions: Array<Promise<unknown>> = [];
    for (const effect of effects) {
      if (effect.type === 'emit') this.emit(effect.event, effect.payload as never);
      else if (effect.type === 'dropConsumer')
        this.#media.current?.consumers.get(effect.consumerId)?.close();
      else if (this.#subscriptions.wanted(effect.producerId))
        subscriptions.push(
          this.#subscriptions.subscribe(effect.producerId).catch((e: unknown) => this.#report(e)),
        );
    }
    return subscriptions;
  }

  async #settle(tasks: Array<Promise<unknown>>): Promise<void> {
    await Promise.allSettled(tasks);
  }

  // ── media ────────────────────────────────────────────────────────────────────────────────

  async #capture(capture: () => Promise<MediaTrack>): Promise<MediaTrack> {
    this.#assertJoined();
    return capture();
  }

  /**
   * Before joining: loads the Device with the capabilities the gateway expects the room's router
   * to have, while the user is still deciding. The join then finds it ready (or, if the room's
   * router differs, loads another). Best effort: any failure leaves it to the join.
   */
  #prepareDevice(): void {
    void this.#devices.prepare(
      async () => (await this.request('room.capabilities', {})).rtpCapabilities,
      () => this.#join !== undefined || this.#ended !== undefined,
    );
  }

  /**
   * Makes the client's media match a join or resume result. After a resume, transports the
   * session kept restart ICE and survivors stay; everything else (all of it after a join) is
   * made anew: the Device if the room's capabilities changed, transports on demand, this
   * client's producers, and a consumer for every remote producer (`autoSubscribe`).
   */
  async #reconcile(result: JoinResult | ResumeResult, mode: SessionMode): Promise<void> {
    this.#join = result;
    this.#connector.resumeToken = result.resumeToken;
    // A new session has no view, a resumed one may have missed the last: send it (again).
    if (mode !== 'joined')
      this.#view.resend(new Set(result.participants.map((p) => p.participantId)));
    const newDevice = await this.#devices.load(result.rtpCapabilities);
    if (this.#ended) throw this.#endedError();
    const device = this.#devices.device as Device;
    const survivors = await this.#media.follow(result, mode, device, newDevice);
    const effects = this.#model.restore(result, {
      aliveConsumerIds: survivors.consumers,
      announce: mode !== 'joined',
    });
    // The consumers the join made, for the Device it asked with (any other cannot take them).
    const adopted: Array<Promise<unknown>> = [];
    const session = this.#media.current;
    for (const info of result.media?.consumers ?? []) {
      if (session && device === this.#joinDevice)
        adopted.push(
          this.#subscriptions.adopt(session, info).catch((error: unknown) => this.#report(error)),
        );
      else void this.request('consumer.close', { consumerId: info.consumerId }).catch(() => {});
    }
    const subscriptions = [...adopted, ...this.#run(effects)];
    const publications = this.#publications.restore(survivors.producers);
    const outcomes = await Promise.allSettled([...subscriptions, ...publications]);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') continue;
      if (isConnectionLost(outcome.reason)) throw outcome.reason;
      this.#report(outcome.reason);
    }
  }

  // ── losing and restoring the session ─────────────────────────────────────────────────────

  #disconnected(channel: SignalingChannel, reason: string): void {
    if (channel !== this.#channel) return;
    this.#channel = undefined;
    if (this.#ended) return;
    this.#logger.warn('connection lost: reconnecting', { url: channel.url, reason });
    const generation = this.#connection.nextGeneration();
    this.#setState('lost');
    void this.#serially(() => this.#reconnect(generation));
  }

  async #reconnect(generation: number): Promise<void> {
    const cancelled = this.#connection.staleCheck(generation);
    if (cancelled()) return;
    let connection: Connection | undefined;
    try {
      connection = await this.#connector.reconnect(cancelled);
    } catch (error) {
      if (!cancelled()) this.#fail(error);
      return;
    }
    if (!connection || cancelled()) return connection?.channel.close();
    this.#events.hold();
    try {
      this.#attach(connection);
      if (!this.#join) return this.#setState('connected'); // never joined: the socket is all
      const mode = await this.#restore(connection);
      if (cancelled()) return;
      this.#setState('connected');
      this.emit('sessionRestored', {
        mode,
        participantId: this.#join.participantId,
        url: connection.url,
      });
    } catch (error) {
      if (cancelled()) return;
      const action = this.#retry.afterRestoreFailure(error);
      // A gateway that does not answer: try the next one.
      if (action === 'next-gateway') connection.channel.drop();
      else if (action === 'give-up') this.#fail(error);
    } finally {
      this.#events.release();
    }
  }

  /** Takes the session back (resume token), or joins again when that is refused. */
  async #restore({ channel, resumeTokenSent }: Connection): Promise<'resumed' | 'rejoined'> {
    if (resumeTokenSent) {
      let resumed: ResumeResult | undefined;
      try {
        resumed = await channel.request('session.resume', {});
      } catch (error) {
        // No answer: the caller tries another connection. A refusal: the session is gone.
        if (!this.#retry.rejoinAfterResumeFailure(error)) throw error;
        this.#logger.warn('the session could not be resumed: joining again', {
          code: error.code,
          error: error.message,
        });
      }
      if (resumed) {
        await this.#reconcile(resumed, 'resumed');
        return 'resumed';
      }
    }
    await this.#rejoin();
    return 'rejoined';
  }

  /**
   * Joins the room again from scratch: new transports, producers and consumers. `room.join` is
   * tried a few times while the failure looks passing (no node free yet, say).
   */
  async #rejoin(): Promise<void> {
    this.#media.close();
    const result = await retrying(
      async () => {
        const payload = await this.#joinPayload();
        return this.request('room.join', payload, this.#joinTimeout(payload));
      },
      (error, attempt) => {
        const delay = this.#ended ? undefined : this.#retry.rejoinDelay(error, attempt);
        if (delay !== undefined)
          this.#logger.warn('joining again failed: retrying', { attempt, error: String(error) });
        return delay;
      },
      (ms) => this.#sleep(ms),
    );
    return this.#reconcile(result, 'rejoined');
  }

  /** `session.reconnectRequired`: the media node was lost; join again on this connection. */
  async #rejoinInPlace(): Promise<void> {
    const channel = this.#channel;
    if (!this.#join || this.#ended || !channel) return; // a reconnection will rebuild it
    this.#setState('lost');
    this.#events.hold();
    try {
      await this.#rejoin();
      if (channel !== this.#channel || this.#ended) return;
      this.#setState('connected');
      this.emit('sessionRestored', {
        mode: 'rejoined',
        participantId: this.#join.participantId,
        url: channel.url,
      });
    } catch (error) {
      // Lost again: the reconnection takes over. Anything else (no answer included): give up.
      if (channel !== this.#channel || this.#retry.afterRestoreFailure(error) === 'stop') return;
      this.#fail(error);
    } finally {
      this.#events.release();
    }
  }

  #removed(reason: CascadeClientEvents['removed']['reason']): void {
    if (this.#ended) return;
    this.#logger.warn('removed from the room', { reason });
    this.#connection.end('removed');
    this.#teardown();
    this.emit('removed', { reason });
  }

  /** Gives up: the session cannot be kept. */
  #fail(error: unknown): void {
    if (this.#ended) return;
    this.#logger.error('the client gave up', { error: String(error) });
    this.#connection.end('failed');
    this.#teardown();
    this.#report(error);
  }

  #teardown(): void {
    this.#connection.nextGeneration();
    this.#qualityMonitor.stop();
    this.#tokenRefresher.stop();
    const channel = this.#channel;
    this.#channel = undefined;
    channel?.close();
    this.#media.discard();
    this.#publications.clear();
    this.#model.clear();
    this.#events.clear();
    this.#setState('end');
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────

  #serially(task: () => Promise<void>): Promise<void> {
    const run = this.#serial.then(task).catch((error: unknown) => this.#report(error));
    this.#serial = run;
    return run;
  }

  #untilConnected(): Promise<void> {
    return this.#connection.untilConnected(() => this.#channel?.connected === true);
  }

  #setState(event: ConnectionEvent): void {
    this.#connection.send(event);
  }

  #report(error: unknown): void {
    const reported = error instanceof Error ? error : new Error(String(error));
    this.#logger.warn('client error', { error: reported.message });
    this.emit('error', reported);
  }

  #sleep(ms: number): Promise<void> {
    return this.#seams.sleep
      ? this.#seams.sleep(ms)
      : new Promise((resolve) => setTimeout(resolve, ms));
  }

  #assertUsable(): void {
    if (this.#ended) throw this.#endedError();
  }

  #assertJoined(): void {
    this.#assertUsable();
    if (!this.#join) throw new CascadeError('CONFLICT', 'join the room first');
  }

  #endedError(): CascadeError {
    return this.#connection.endedError();
  }
}

/** The kind of track `source` takes, if `track` is one (`INVALID_ARGUMENT` otherwise). */
function kindOf(source: MediaSource, track: MediaTrack): MediaKind {
  const kind = KIND_OF_SOURCE[source];
  if (!kind) throw new CascadeError('INVALID_ARGUMENT', `unknown source ${String(source)}`);
  if (track.kind !== kind)
    throw new CascadeError(
      'INVALID_ARGUMENT',
      `${source} takes a ${kind} track, not ${track.kind}`,
    );
  return kind;
}

/**
 * A new chat idempotency key: 16 random bytes in hex (`getRandomValues` works on plain-HTTP
 * pages too, where `randomUUID` does not exist).
 */
function newClientMessageId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return `c_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
