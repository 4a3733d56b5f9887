import {
  CascadeError,
  type ErrorEnvelope,
  type JoinMediaRequest,
  type JoinResult,
  type ParticipantInfo,
  PROTOCOL_VERSION,
  type ProducerInfo,
  type SignalingEventName,
  type SignalingEventOf,
  type SignalingHandshake,
  type SignalingMethod,
} from '@cascade/contracts';
import { FakeMediaStreamTrack } from 'fake-mediastreamtrack';
import { Device, FakeHandler, testFakeParameters } from 'mediasoup-client';

import type { SignalingSocket, SocketFactory } from '../../src/signaling/signaling-socket';
import type { MediaTrack } from '../../src/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;

/**
 * One client socket of the fake gateway: the client side is the {@link SignalingSocket} the SDK
 * uses; the test drives the server side (accept, refuse, push events, drop).
 */
export class FakeSocket implements SignalingSocket {
  connected = false;
  readonly io = { engine: { close: () => this.drop('transport close') } };
  readonly #listeners = new Map<string, Set<AnyListener>>();

  constructor(
    private readonly gateway: FakeGateway,
    readonly url: string,
    readonly auth: SignalingHandshake,
  ) {}

  emit(event: string, payload: unknown, ack?: (reply: unknown) => void): void {
    if (!this.connected) return;
    setImmediate(() => {
      if (this.connected) this.gateway.receive(this, event, payload, ack);
    });
  }

  on(event: string, listener: AnyListener): void {
    let listeners = this.#listeners.get(event);
    if (!listeners) this.#listeners.set(event, (listeners = new Set()));
    listeners.add(listener);
  }

  off(event: string, listener?: AnyListener): void {
    if (listener) this.#listeners.get(event)?.delete(listener);
    else this.#listeners.delete(event);
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.fire('disconnect', 'io client disconnect');
  }

  /** Server side: the handshake is accepted. */
  accept(): void {
    this.connected = true;
    this.fire('connect');
  }

  /** Server side: the handshake is refused with `envelope`, or the gateway is unreachable. */
  refuse(envelope?: ErrorEnvelope): void {
    const error = envelope
      ? Object.assign(new Error(envelope.message), { data: envelope })
      : new Error('websocket error');
    this.fire('connect_error', error);
  }

  /** Server side: an event. */
  push<E extends SignalingEventName>(event: E, payload: SignalingEventOf<E>): void {
    this.fire(event, payload);
  }

  /** The connection is lost. */
  drop(reason = 'transport close'): void {
    if (!this.connected) return;
    this.connected = false;
    this.fire('disconnect', reason);
  }

  fire(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) listener(...args);
  }
}

export interface RecordedRequest {
  url: string;
  socket: FakeSocket;
  method: string;
  payload: Record<string, unknown>;
}

interface Session {
  participantId: string;
  resumeToken: string;
  /** Transport ids and directions the session holds on its node. */
  transports: Map<string, 'send' | 'recv'>;
  producerIds: Set<string>;
  consumerIds: Set<string>;
}

type Handler = (socket: FakeSocket, payload: Record<string, unknown>) => unknown;
/** An answer that may build on the gateway's own (`base()`). */
type Override = (
  socket: FakeSocket,
  payload: Record<string, unknown>,
  base: () => unknown,
) => unknown;

/**
 * An in-memory gateway that speaks the signaling protocol to {@link FakeSocket}s: it accepts
 * handshakes (unless told otherwise), keeps sessions by resume token, answers every request with
 * mediasoup-client's fake parameters, and records everything. Tests override any method's answer
 * with {@link answer}, and push events through the sockets.
 */
export class FakeGateway {
  readonly sockets: FakeSocket[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, Session>();
  /** Others in the room, as the next join or resume result lists them. */
  participants: ParticipantInfo[] = [];
  /** Their producers. */
  producers: ProducerInfo[] = [];
  /** Answers to these methods come this many ms late. */
  readonly delays = new Map<string, number>();
  /** URLs whose connection attempts fail as unreachable. */
  readonly unreachable = new Set<string>();
  /** Refusals for the next handshakes, in order. */
  readonly refusals: ErrorEnvelope[] = [];
  /** Resume tokens the gateway has forgotten (their sessions expired). */
  readonly expired = new Set<string>();
  readonly #overrides = new Map<string, Override>();
  readonly #bound = new Map<FakeSocket, Session>();
  #next = 1;

  readonly factory: SocketFactory = (url, auth) => {
    const socket = new FakeSocket(this, url, auth);
    this.sockets.push(socket);
    setImmediate(() => this.#handshake(socket));
    return socket;
  };

  /** The socket the client is connected through now. */
  get socket(): FakeSocket {
    const socket = [...this.sockets].reverse().find((s) => s.connected);
    if (!socket) throw new Error('no connected socket');
    return socket;
  }

  /**
   * Replaces the answer to `method` until {@link restore}: return a value (or `base()`, the
   * gateway's own answer), or throw a CascadeError.
   */
  answer(method: SignalingMethod, override: Override): void {
    this.#overrides.set(method, override);
  }

  restore(method: SignalingMethod): void {
    this.#overrides.delete(method);
  }

  requestsOf(method: SignalingMethod): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  methods(): string[] {
    return this.requests.map((r) => r.method);
  }

  /** Adds a remote producer (and its participant) to what the room has. */
  addProducer(
    participantId: string,
    kind: 'audio' | 'video',
    source: ProducerInfo['source'],
  ): ProducerInfo {
    if (!this.participants.some((p) => p.participantId === participantId))
      this.participants.push(participant(participantId));
    const producer: ProducerInfo = {
      producerId: `remote-${this.#next++}`,
      participantId,
      kind,
      source,
      paused: false,
    };
    this.producers.push(producer);
    return producer;
  }

  receive(
    socket: FakeSocket,
    method: string,
    payload: unknown,
    ack?: (reply: unknown) => void,
  ): void {
    const body = (payload ?? {}) as Record<string, unknown>;
    this.requests.push({ url: socket.url, socket, method, payload: body });
    if (!ack) return;
    const handler = this.#handlers[method];
    const base = (): unknown => {
      if (!handler) throw new CascadeError('INVALID_ARGUMENT', `unknown method ${method}`);
      return handler(socket, body);
    };
    const override = this.#overrides.get(method);
    let reply: unknown;
    try {
      reply = { ok: true, data: override ? override(socket, body, base) : base() };
    } catch (error) {
      reply = { ok: false, error: CascadeError.toEnvelope(error) };
    }
    const delay = this.delays.get(method);
    if (delay === undefined) ack(reply);
    else setTimeout(() => ack(reply), delay);
  }

  #handshake(socket: FakeSocket): void {
    if (this.unreachable.has(socket.url)) return socket.refuse();
    const refusal = this.refusals.shift();
    if (refusal) return socket.refuse(refusal);
    const { resumeToken, token } = socket.auth;
    if (resumeToken !== undefined) {
      const session = this.expired.has(resumeToken) ? undefined : this.sessions.get(resumeToken);
      if (session) this.#bound.set(socket, session);
      else if (token === undefined)
        return socket.refuse({ code: 'NOT_FOUND', message: 'session expired' });
    }
    socket.accept();
  }

  #session(socket: FakeSocket): Session {
    const session = this.#bound.get(socket);
    if (!session) throw new CascadeError('CONFLICT', 'join first');
    return session;
  }

  #joinResult(session: Session): JoinResult {
    return {
      protocolVersion: PROTOCOL_VERSION,
      tenantId: 'tenant-1',
      roomId: 'room-1',
      participantId: session.participantId,
      userId: `user-of-${session.participantId}`,
      displayName: 'Me',
      grants: { join: true, publish: true, subscribe: true, admin: false } as JoinResult['grants'],
      role: 'speaker',
      viewers: 0,
      resumeToken: session.resumeToken,
      resumeGraceMs: 15_000,
      rtpCapabilities:
        testFakeParameters.generateRouterRtpCapabilities() as JoinResult['rtpCapabilities'],
      iceServers: [],
      participants: this.participants.map((p) => ({ ...p })),
      producers: this.producers.map((p) => ({ ...p })),
    };
  }

  readonly #handlers: Record<string, Handler> = {
    'room.join': (socket, body) => {
      let session = this.#bound.get(socket);
      if (session) {
        // Joining again on a joined socket (after reconnectRequired): same participant, media gone.
        session.transports.clear();
        session.producerIds.clear();
        session.consumerIds.clear();
      } else {
        session = {
          participantId: `p-${this.#next++}`,
          resumeToken: `resume-token-${this.#next++}-0123456789`,
          transports: new Map(),
          producerIds: new Set(),
          consumerIds: new Set(),
        };
        this.sessions.set(session.resumeToken, session);
        this.#bound.set(socket, session);
      }
      const result = this.#joinResult(session);
      const media = body['media'] as JoinMediaRequest | undefined;
      if (!media) return result;
      // As the gateway does: the transports, then audio of all and the first `videos` videos.
      const transports = media.transports.map(
        (direction) =>
          this.#handlers['transport.create']!(socket, { direction }) as {
            transportId: string;
            direction: string;
          },
      );
      const recv = transports.find((t) => t.direction === 'recv');
      const self = session.participantId;
      const others = this.producers.filter((p) => p.participantId !== self);
      const want = media.consume;
      const videoOwners = [
        ...new Set(others.filter((p) => p.kind === 'video').map((p) => p.participantId)),
      ].slice(0, want?.videos ?? 0);
      const wanted =
        recv && want
          ? others.filter((p) =>
              p.kind === 'audio' ? want.audio : videoOwners.includes(p.participantId),
            )
          : [];
      const consumers = wanted.map((p) =>
        this.#handlers['consumer.create']!(socket, {
          producerId: p.producerId,
          transportId: recv!.transportId,
        }),
      );
      return { ...result, media: { transports, consumers } };
    },
    'room.capabilities': () => ({
      rtpCapabilities:
        testFakeParameters.generateRouterRtpCapabilities() as JoinResult['rtpCapabilities'],
    }),
    'session.resume': (socket) => {
      const session = this.#bound.get(socket);
      if (!session) throw new CascadeError('NOT_FOUND', 'session expired');
      return {
        ...this.#joinResult(session),
        transports: [...session.transports].map(([transportId, direction]) => ({
          transportId,
          direction,
        })),
        producerIds: [...session.producerIds],
        consumerIds: [...session.consumerIds],
      };
    },
    'room.leave': (socket) => {
      const session = this.#session(socket);
      this.sessions.delete(session.resumeToken);
      this.#bound.delete(socket);
      return {};
    },
    'transport.create': (socket, { direction }) => {
      const session = this.#session(socket);
      const { id, iceParameters, iceCandidates, dtlsParameters } =
        testFakeParameters.generateTransportRemoteParameters();
      session.transports.set(id, direction as 'send' | 'recv');
      return { transportId: id, direction, iceParameters, iceCandidates, dtlsParameters };
    },
    'transport.connect': (socket, { transportId }) => this.#transport(socket, transportId),
    'transport.restartIce': (socket, { transportId }) => {
      this.#transport(socket, transportId);
      return {
        iceParameters: testFakeParameters.generateTransportRemoteParameters().iceParameters,
      };
    },
    'producer.create': (socket) => {
      const producerId = `local-${this.#next++}`;
      this.#session(socket).producerIds.add(producerId);
      return { producerId };
    },
    'producer.pause': () => ({}),
    'producer.resume': () => ({}),
    'producer.close': (socket, { producerId }) => {
      this.#session(socket).producerIds.delete(producerId as string);
      return {};
    },
    'consumer.create': (socket, { producerId, transportId }) => {
      this.#transport(socket, transportId);
      const producer = this.producers.find((p) => p.producerId === producerId);
      if (!producer) throw new CascadeError('NOT_FOUND', 'no such producer');
      const { id, kind, rtpParameters } = testFakeParameters.generateConsumerRemoteParameters({
        codecMimeType: producer.kind === 'audio' ? 'audio/opus' : 'video/VP8',
      });
      this.#session(socket).consumerIds.add(id);
      const simulcast = producer.source === 'camera';
      return {
        consumerId: id,
        producerId,
        participantId: producer.participantId,
        kind,
        source: producer.source,
        rtpParameters: simulcast
          ? {
              ...rtpParameters,
              encodings: [{ ...rtpParameters.encodings?.[0], scalabilityMode: 'L3T3' }],
            }
          : rtpParameters,
        type: simulcast ? 'simulcast' : 'simple',
        producerPaused: producer.paused,
        paused: true,
      };
    },
    'consumer.resume': () => ({}),
    'consumer.pause': () => ({}),
    'consumer.close': (socket, { consumerId }) => {
      this.#session(socket).consumerIds.delete(consumerId as string);
      return {};
    },
    'consumer.setPreferredLayers': () => ({}),
    'chat.send': () => ({ messageId: `m-${this.#next++}`, at: Date.now() }),
    'user.ping': () => ({ at: Date.now() }),
  };

  #transport(socket: FakeSocket, transportId: unknown): Record<string, never> {
    if (!this.#session(socket).transports.has(transportId as string))
      throw new CascadeError('NOT_FOUND', 'no such transport');
    return {};
  }
}

export function participant(participantId: string): ParticipantInfo {
  return {
    participantId,
    userId: `user-of-${participantId}`,
    displayName: participantId,
    joinedAt: 1,
  };
}

/** A mediasoup-client Device on its fake handler (no WebRTC needed). */
export function fakeDevice(): Device {
  return new Device({ handlerFactory: FakeHandler.createFactory(testFakeParameters) });
}

export function fakeTrack(kind: 'audio' | 'video'): MediaTrack {
  return new FakeMediaStreamTrack({ kind }) as unknown as MediaTrack;
}

/** Resolves once `check` holds (polling every few milliseconds), or fails after `timeoutMs`. */
export async function until(
  check: () => boolean,
  what = 'condition',
  timeoutMs = 2_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
