import type {
  ConsumerInfo,
  DtlsParameters,
  IceServer,
  MediaSource,
  RtpCapabilities,
  RtpParameters,
  SignalingMethod,
  SignalingRequestOf,
  SignalingResultOf,
  TransportDirection,
  TransportInfo,
} from '@cascade/contracts';
import type { Device, types as client } from 'mediasoup-client';

import type { CascadeLogger } from '../logger';
import type { Timings } from '../timing';
import type { MediaTrack } from '../types';
import type { PublishProfile } from './encodings';

// SAME_WIRE: the contracts' schemas describe the JSON mediasoup-client exchanges with the
// gateway; their TypeScript types differ only in how narrowly they spell some strings.

/** Sends one signaling request on whichever connection the client has now. */
export type Requester = <M extends SignalingMethod>(
  method: M,
  payload: SignalingRequestOf<M>,
) => Promise<SignalingResultOf<M>>;

/** The media session was closed while an operation on it was under way: its result is void. */
export class MediaSessionClosedError extends Error {
  override readonly name = 'MediaSessionClosedError';
  constructor() {
    super('the media session was closed');
  }
}

export interface MediaSessionOptions {
  device: Device;
  request: Requester;
  iceServers: IceServer[];
  /** `relay`: ICE only through the TURN servers (default `all`). */
  iceTransportPolicy?: 'all' | 'relay';
  logger: CascadeLogger;
  /** A transport's ICE failed while the session lives (the client restarts it). */
  onIceFailed?: (transport: client.Transport) => void;
  /** Where each step's duration goes. */
  timings: Timings;
}

export interface ProduceOptions {
  source: MediaSource;
  track: MediaTrack;
  profile: PublishProfile;
  paused: boolean;
}

/**
 * The media of one joined session: a Device's send and receive transports (each created on
 * first use), the producers made on the one and the consumers on the other. Transports answer
 * their `connect` and `produce` events through the client's current signaling connection, so
 * they outlive a reconnection that resumes the session; a rejoin closes the whole media session
 * and starts another. Anything under way when it closes fails with
 * {@link MediaSessionClosedError}, so that late results never mix with the next session's.
 */
export class MediaSession {
  readonly consumers = new Map<string, client.Consumer>();
  /** The send and the receive transport, each once asked for (until it closes). */
  readonly #transports = new Map<
    TransportDirection,
    { promise: Promise<client.Transport>; transport?: client.Transport }
  >();
  readonly #open = new Set<client.Transport>();
  readonly #subscribing = new Map<
    string,
    Promise<{ consumer: client.Consumer; info: ConsumerInfo }>
  >();
  #closed = false;

  constructor(private readonly options: MediaSessionOptions) {}

  get closed(): boolean {
    return this.#closed;
  }

  get device(): Device {
    return this.options.device;
  }

  /** The transports open now. */
  transports(): client.Transport[] {
    return [...this.#open];
  }

  isSubscribing(producerId: string): boolean {
    return this.#subscribing.has(producerId);
  }

  /** Produces `track` on the send transport; the server's producer starts paused if `paused`. */
  async produce({ source, track, profile, paused }: ProduceOptions): Promise<client.Producer> {
    const transport = await this.#transport('send');
    this.#assertOpen();
    const producer = await transport.produce({
      track: track as client.ProducerOptions['track'],
      ...profile,
      // The application's track outlives producers: a rejoin publishes it again.
      stopTracks: false,
      appData: { source, paused },
    });
    if (this.#closed) {
      producer.close();
      throw new MediaSessionClosedError();
    }
    if (paused) producer.pause();
    return producer;
  }

  /** Makes a transport ahead of its first use (a failure is left for that use to meet). */
  prepare(direction: TransportDirection): void {
    if (this.#closed) return;
    this.#transport(direction).catch(() => undefined);
  }

  /**
   * Consumes a producer: the gateway creates a paused consumer for this Device's capabilities,
   * the receive transport takes it, and once ready the gateway resumes it (so the first key
   * frame reaches a receiver that can use it).
   */
  consume(producerId: string): Promise<{ consumer: client.Consumer; info: ConsumerInfo }> {
    const existing = this.#subscribing.get(producerId);
    if (existing) return existing;
    const task = this.#consume(producerId).finally(() => this.#subscribing.delete(producerId));
    this.#subscribing.set(producerId, task);
    return task;
  }

  /**
   * Takes transports the server made already (with the join): each becomes this session's
   * transport of its direction, unless the session has one.
   */
  adoptTransports(infos: readonly TransportInfo[]): void {
    this.#assertOpen();
    for (const info of infos) {
      if (this.#transports.has(info.direction)) continue;
      const transport = this.#localTransport(info);
      this.#transports.set(info.direction, { promise: Promise.resolve(transport), transport });
    }
  }

  /**
   * Takes a consumer the server made already (paused, with the join) as {@link consume} takes
   * the one it asks for: the receive transport takes it, then the gateway resumes it.
   */
  adopt(info: ConsumerInfo): Promise<{ consumer: client.Consumer; info: ConsumerInfo }> {
    const existing = this.#subscribing.get(info.producerId);
    if (existing) return existing;
    const task = this.#transport('recv')
      .then((transport) => this.#receive(transport, info))
      .finally(() => this.#subscribing.delete(info.producerId));
    this.#subscribing.set(info.producerId, task);
    return task;
  }

  /**
   * The ICE servers of a resumed session (fresh TURN credentials): used by the open transports
   * from their next ICE restart on, and by transports made later.
   */
  async updateIceServers(iceServers: IceServer[]): Promise<void> {
    if (JSON.stringify(iceServers) === JSON.stringify(this.options.iceServers)) return;
    this.options.iceServers = iceServers;
    const servers = iceServers as client.TransportOptions['iceServers'];
    await Promise.all(
      [...this.#open].map((t) =>
        t.closed ? undefined : t.updateIceServers({ iceServers: servers }),
      ),
    );
  }

  /** Restarts ICE on one transport: new ICE parameters from the server, then locally. */
  async restartIce(transport: client.Transport): Promise<void> {
    const { iceParameters } = await this.options.request('transport.restartIce', {
      transportId: transport.id,
    });
    if (transport.closed) return;
    await transport.restartIce({ iceParameters: iceParameters as client.IceParameters });
  }

  /** Closes every transport whose id is not in `alive` (with its producers and consumers). */
  keepTransports(alive: ReadonlySet<string>): void {
    for (const transport of [...this.#open]) {
      if (!alive.has(transport.id)) this.closeTransport(transport);
    }
  }

  /** Closes one transport (with its producers and consumers); the next use makes another. */
  closeTransport(transport: client.Transport): void {
    this.#open.delete(transport);
    for (const [direction, entry] of this.#transports) {
      if (entry.transport === transport) this.#transports.delete(direction);
    }
    transport.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const transport of [...this.#open]) this.closeTransport(transport);
    this.#transports.clear();
  }

  async #consume(producerId: string): Promise<{ consumer: client.Consumer; info: ConsumerInfo }> {
    const { request, device, timings } = this.options;
    const transport = await this.#transport('recv');
    this.#assertOpen();
    const created = timings.now();
    const info = await request('consumer.create', {
      transportId: transport.id,
      producerId,
      rtpCapabilities: device.recvRtpCapabilities as RtpCapabilities, // see SAME_WIRE
    });
    timings.record('consumer.create', created, info.kind);
    return this.#receive(transport, info);
  }

  /** The receive side of a consumer the server made: taken locally, then resumed. */
  async #receive(
    transport: client.Transport,
    info: ConsumerInfo,
  ): Promise<{ consumer: client.Consumer; info: ConsumerInfo }> {
    const { request, timings } = this.options;
    const producerId = info.producerId;
    this.#assertOpen();
    const resuming = timings.now();
    const consumer = await transport.consume({
      id: info.consumerId,
      producerId,
      kind: info.kind,
      rtpParameters: info.rtpParameters as client.RtpParameters, // see SAME_WIRE
      appData: { participantId: info.participantId, source: info.source },
    });
    this.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.consumers.delete(consumer.id));
    try {
      this.#assertOpen();
      // Resumed once taken (a consumer made running needs nothing).
      if (info.paused) await request('consumer.resume', { consumerId: consumer.id });
      timings.record('consumer.resume', resuming, info.kind);
      this.#assertOpen();
      whenFirstPacket(consumer.track, () =>
        timings.record('consumer.firstPacket', resuming, info.kind),
      );
    } catch (error) {
      consumer.close();
      throw error;
    }
    return { consumer, info };
  }

  #transport(direction: TransportDirection): Promise<client.Transport> {
    this.#assertOpen();
    const existing = this.#transports.get(direction);
    if (existing) return existing.promise;
    const entry: { promise: Promise<client.Transport>; transport?: client.Transport } = {
      promise: this.#createTransport(direction).then(
        (transport) => ((entry.transport = transport), transport),
        (error: unknown) => {
          if (this.#transports.get(direction) === entry) this.#transports.delete(direction);
          throw error;
        },
      ),
    };
    this.#transports.set(direction, entry);
    return entry.promise;
  }

  async #createTransport(direction: TransportDirection): Promise<client.Transport> {
    const { request, timings } = this.options;
    const info = await timings.span('transport.create', direction, () =>
      request('transport.create', { direction }),
    );
    this.#assertOpen();
    return this.#localTransport(info);
  }

  /** This side of a transport the server made. */
  #localTransport(info: TransportInfo): client.Transport {
    const { request, device, iceServers, iceTransportPolicy, logger, timings } = this.options;
    const direction = info.direction;
    const options: client.TransportOptions = {
      id: info.transportId,
      iceParameters: info.iceParameters as client.IceParameters, // see SAME_WIRE
      iceCandidates: info.iceCandidates as client.IceCandidate[],
      dtlsParameters: info.dtlsParameters as client.DtlsParameters,
      ...(info.sctpParameters ? { sctpParameters: info.sctpParameters } : {}),
      iceServers: iceServers as client.TransportOptions['iceServers'],
      ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
    };
    const transport =
      direction === 'send'
        ? device.createSendTransport(options)
        : device.createRecvTransport(options);
    let connecting: number | undefined;
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      connecting = timings.now();
      timings
        .span('transport.connect', direction, () =>
          request('transport.connect', {
            transportId: transport.id,
            dtlsParameters: dtlsParameters as DtlsParameters, // see SAME_WIRE
          }),
        )
        .then(() => done(), fail);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, done, fail) => {
      const source = appData['source'] as MediaSource;
      timings
        .span('producer.create', source, () =>
          request('producer.create', {
            transportId: transport.id,
            kind,
            rtpParameters: rtpParameters as RtpParameters, // see SAME_WIRE
            source,
            paused: appData['paused'] === true,
          }),
        )
        .then(({ producerId }) => done({ id: producerId }), fail);
    });
    transport.on('connectionstatechange', (state) => {
      logger.debug('transport state', { transportId: transport.id, direction, state });
      if (state === 'connected' && connecting !== undefined) {
        timings.record('transport.connected', connecting, direction);
        connecting = undefined;
      }
      if (state === 'failed' && !this.#closed) this.options.onIceFailed?.(transport);
    });
    this.#open.add(transport);
    return transport;
  }

  #assertOpen(): void {
    if (this.#closed) throw new MediaSessionClosedError();
  }
}

/**
 * Calls `then` once the track's first packet arrives (a browser's remote track starts muted and
 * unmutes then); does nothing where tracks do not say (Node WebRTC).
 */
function whenFirstPacket(track: unknown, then: () => void): void {
  const remote = track as Partial<{
    muted: boolean;
    addEventListener(type: 'unmute', listener: () => void, options: { once: true }): void;
  }> | null;
  if (!remote || typeof remote.addEventListener !== 'function' || remote.muted !== true) return;
  remote.addEventListener('unmute', then, { once: true });
}
