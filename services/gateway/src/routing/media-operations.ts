import {
  type ConsumerInfo,
  CascadeError,
  JOIN_CONSUME_MAX,
  type JoinMediaRequest,
  type JoinResult,
  type ProducerInfo,
  type SetViewResult,
  type SignalingMethod,
  type SignalingParsedRequestOf,
  type SignalingResultOf,
  type TransportDirection,
  type TransportInfo,
} from '@cascade/contracts';

import type { Broadcaster } from '../signaling/broadcaster';
import {
  type SessionBinding,
  type SignalingSocket,
  roomIdentityOf,
} from '../signaling/socket-data';
import type { ParticipantSessions } from '../sessions/participant-sessions';
import type { RoomMedia } from '../sessions/room-media';
import type { SessionStore } from '../sessions/session-store';
import type { ViewHooks } from '../view/view-operations';
import type { Routing } from './routing';

type Req<M extends SignalingMethod> = SignalingParsedRequestOf<M>;
type Empty = Record<string, never>;

export interface MediaLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * A participant's media requests, sent straight to the SFU node its session was placed on with
 * the tenant, room and participant of the session (never of the request). The session records
 * what exists (for resume and cleanup); producer changes are announced to the room here, once.
 */
export class MediaOperations {
  constructor(
    private readonly store: SessionStore,
    private readonly media: RoomMedia,
    private readonly sessions: ParticipantSessions,
    private readonly routing: Routing,
    private readonly out: Broadcaster,
    private readonly log: MediaLog = { warn: () => undefined },
    /** Subscriptions that follow the view (`room.setView`); none: every consumer flows. */
    private readonly views?: ViewHooks,
  ) {}

  /** `room.setView`: see `ViewOperations`. */
  async setView(socket: SignalingSocket, request: Req<'room.setView'>): Promise<SetViewResult> {
    if (!this.views) throw new CascadeError('INTERNAL', 'views are not wired');
    return this.views.setView(socket, request);
  }

  /** The session of `socket` was resumed: what views tell it is told again (not awaited). */
  resumed(socket: SignalingSocket): void {
    const s = socket.data.session;
    if (s) void this.views?.resumed?.(s);
  }

  /**
   * Makes, for a client that just joined, the transports and consumers its join asked for, all
   * at once: the client's first remote frame then waits for one round trip instead of four.
   * Best effort: the join has happened, so anything that fails here is left out of the answer
   * (logged) and the client asks for it the usual way. What the token does not grant (a send
   * transport without `publish`, receiving without `subscribe`) is not made: the answer's
   * grants say why.
   */
  async withJoinMedia(
    socket: SignalingSocket,
    media: JoinMediaRequest,
    result: JoinResult,
  ): Promise<JoinResult> {
    const s = session(socket);
    const { grants } = result;
    const directions = media.transports.filter((d) =>
      d === 'send' ? grants.publish : grants.subscribe,
    );
    const receiving = media.consume && directions.includes('recv') ? media.consume : undefined;
    // The transports, and beside them the pipes of the producers to consume (the orchestrator
    // prepares them; they do not need the transport).
    const [made, prepared] = await Promise.all([
      Promise.allSettled(
        directions.map((direction) => this.#createTransport(s, direction, media.sctpCapabilities)),
      ),
      receiving
        ? this.#joinConsumers(s, result, receiving).then((wanted) =>
            Promise.allSettled(
              wanted.map(async (producer) => ({ producer, ...(await this.#prepare(s, producer)) })),
            ),
          )
        : [],
    ]);
    const transports = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    for (const m of made) {
      if (m.status === 'rejected')
        this.log.warn({ ...participant(s), error: String(m.reason) }, 'join transport failed');
    }
    const recv = transports.find((t) => t.direction === 'recv');
    let consumers: ConsumerInfo[] = [];
    if (recv && receiving) {
      const consumed = await Promise.allSettled(
        // Paused, as any consumer: the client resumes each once it has taken it, so that the
        // first key frame reaches a receiver that can use it.
        prepared.map(async (ready) => {
          if (ready.status === 'rejected') throw ready.reason;
          const { producer, nodeId } = ready.value;
          return this.#createConsumer(s, nodeId, recv.transportId, producer, {
            rtpCapabilities: receiving.rtpCapabilities,
            paused: true,
          });
        }),
      );
      consumers = consumed.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
      const failed = consumed.filter((c) => c.status === 'rejected');
      if (failed.length > 0)
        this.log.warn(
          { ...participant(s), failed: failed.length, error: String(failed[0]!.reason) },
          'join consumers failed: the client subscribes to those itself',
        );
      // Before the client has them (and resumes them): only the video its view wants flows.
      await this.views?.consumersCreated(s, consumers);
    }
    return { ...result, media: { transports, consumers } };
  }

  /** The producers a join consumes: audio of everyone, video in the order a grid shows it. */
  async #joinConsumers(
    s: SessionBinding,
    result: JoinResult,
    want: NonNullable<JoinMediaRequest['consume']>,
  ): Promise<ProducerInfo[]> {
    const others = result.producers.filter((p) => p.participantId !== s.participantId);
    const audio = want.audio
      ? others.filter((p) => p.kind === 'audio').slice(0, JOIN_CONSUME_MAX)
      : [];
    if (want.videos === 0) return audio;
    const speaker = await this.media.speaker(s.tenantId, s.roomId);
    const joined = new Map(result.participants.map((p) => [p.participantId, p.joinedAt]));
    const rank = (p: ProducerInfo) =>
      p.source === 'screen' ? 0 : p.participantId === speaker?.participantId ? 1 : 2;
    const videos = others
      .filter((p) => p.kind === 'video')
      .sort(
        (a, b) =>
          rank(a) - rank(b) ||
          (joined.get(a.participantId) ?? Infinity) - (joined.get(b.participantId) ?? Infinity),
      );
    // Up to `videos` participants: a screen share is one more video of someone already counted.
    const chosen = new Set<string>();
    const picked = videos.filter((p) => {
      if (chosen.has(p.participantId)) return true;
      if (chosen.size >= want.videos) return false;
      chosen.add(p.participantId);
      return true;
    });
    return [...audio, ...picked.slice(0, JOIN_CONSUME_MAX)];
  }

  async createTransport(
    socket: SignalingSocket,
    request: Req<'transport.create'>,
  ): Promise<TransportInfo> {
    // A viewer (subscribe without publish) gets no send transport, as it gets no producer.
    if (request.direction === 'send' && !roomIdentityOf(socket).grants.publish) {
      throw new CascadeError('FORBIDDEN', 'a send transport needs the publish grant', {
        grant: 'publish',
      });
    }
    return this.#createTransport(session(socket), request.direction, request.sctpCapabilities);
  }

  async #createTransport(
    s: SessionBinding,
    direction: TransportDirection,
    sctpCapabilities: Req<'transport.create'>['sctpCapabilities'],
  ): Promise<TransportInfo> {
    const node = await this.routing.node(s.nodeId);
    const created = await node.request('transport.createWebRtc', {
      ...participant(s),
      direction,
      ...(sctpCapabilities ? { sctp: sctpCapabilities } : {}),
      workerIndex: s.workerIndex,
    });
    await this.store.record(s, 'transport', created.transportId, direction);
    return {
      transportId: created.transportId,
      direction,
      iceParameters: created.iceParameters,
      iceCandidates: created.iceCandidates,
      dtlsParameters: created.dtlsParameters,
      ...(created.sctpParameters ? { sctpParameters: created.sctpParameters } : {}),
    };
  }

  async connectTransport(
    socket: SignalingSocket,
    request: Req<'transport.connect'>,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('transport.connect', {
      ...participant(s),
      transportId: request.transportId,
      dtlsParameters: request.dtlsParameters,
    });
    return {};
  }

  async restartIce(
    socket: SignalingSocket,
    request: Req<'transport.restartIce'>,
  ): Promise<SignalingResultOf<'transport.restartIce'>> {
    const s = session(socket);
    const { iceParameters } = await (
      await this.routing.node(s.nodeId)
    ).request('transport.restartIce', { ...participant(s), transportId: request.transportId });
    return { iceParameters };
  }

  async produce(
    socket: SignalingSocket,
    request: Req<'producer.create'>,
  ): Promise<SignalingResultOf<'producer.create'>> {
    const s = session(socket);
    const { producerId } = await (
      await this.routing.node(s.nodeId)
    ).request('producer.create', {
      ...participant(s),
      transportId: request.transportId,
      kind: request.kind,
      rtpParameters: request.rtpParameters,
      source: request.source,
      paused: request.paused,
    });
    const info: ProducerInfo = {
      producerId,
      participantId: s.participantId,
      kind: request.kind,
      source: request.source,
      paused: request.paused,
    };
    await this.store.record(s, 'producer', producerId);
    if (await this.media.addProducer(s.tenantId, s.roomId, info)) {
      this.out.toRoom(s.tenantId, s.roomId, 'producer.added', info, s.participantId);
    }
    return { producerId };
  }

  async pauseProducer(socket: SignalingSocket, request: Req<'producer.pause'>): Promise<Empty> {
    return this.#setProducerPaused(socket, request.producerId, true);
  }

  async resumeProducer(socket: SignalingSocket, request: Req<'producer.resume'>): Promise<Empty> {
    return this.#setProducerPaused(socket, request.producerId, false);
  }

  async closeProducer(socket: SignalingSocket, request: Req<'producer.close'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('producer.close', {
      ...participant(s),
      producerId: request.producerId,
    });
    await this.store.forget(s, 'producer', request.producerId);
    await this.sessions.announceProducersClosed(s, [request.producerId]);
    return {};
  }

  async consume(socket: SignalingSocket, request: Req<'consumer.create'>): Promise<ConsumerInfo> {
    const s = session(socket);
    // Only producers of this tenant's room are known here; anything else is NOT_FOUND.
    const producer = await this.media.producer(s.tenantId, s.roomId, request.producerId);
    if (!producer) {
      throw new CascadeError('NOT_FOUND', `producer ${request.producerId} is not in this room`);
    }
    if (producer.participantId === s.participantId) {
      throw new CascadeError('INVALID_ARGUMENT', 'a participant does not consume its own producer');
    }
    const consumer = await this.#consume(s, request.transportId, producer, request.rtpCapabilities);
    await this.views?.consumersCreated(s, [consumer]);
    return consumer;
  }

  async #consume(
    s: SessionBinding,
    transportId: string,
    producer: ProducerInfo,
    rtpCapabilities: Req<'consumer.create'>['rtpCapabilities'],
  ): Promise<ConsumerInfo> {
    const { nodeId } = await this.#prepare(s, producer);
    return this.#createConsumer(s, nodeId, transportId, producer, {
      rtpCapabilities,
      paused: true,
    });
  }

  /** Where the session consumes `producer` (the orchestrator pipes it there if needed). */
  #prepare(s: SessionBinding, producer: ProducerInfo): Promise<{ nodeId: string }> {
    return this.routing.orchestrator('consumer.prepare', {
      ...participant(s),
      producerId: producer.producerId,
    });
  }

  /** A consumer of a producer of the session's room (checked by the caller), on `nodeId`. */
  async #createConsumer(
    s: SessionBinding,
    nodeId: string,
    transportId: string,
    producer: ProducerInfo,
    options: { rtpCapabilities: Req<'consumer.create'>['rtpCapabilities']; paused: boolean },
  ): Promise<ConsumerInfo> {
    const consumer = await (
      await this.routing.node(nodeId)
    ).request('consumer.create', {
      ...participant(s),
      transportId,
      producerId: producer.producerId,
      ...options,
    });
    await this.store.record(s, 'consumer', consumer.consumerId, consumer.producerId);
    return {
      ...consumer,
      participantId: producer.participantId,
      source: producer.source,
    };
  }

  async resumeConsumer(socket: SignalingSocket, request: Req<'consumer.resume'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.resume', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    return {};
  }

  async pauseConsumer(socket: SignalingSocket, request: Req<'consumer.pause'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.pause', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    return {};
  }

  async closeConsumer(socket: SignalingSocket, request: Req<'consumer.close'>): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.close', {
      ...participant(s),
      consumerId: request.consumerId,
    });
    // Dynacast: the layer it took may be wanted by nobody now.
    if (await this.store.forget(s, 'consumer', request.consumerId)) this.views?.consumerClosed?.(s);
    return {};
  }

  async setPreferredLayers(
    socket: SignalingSocket,
    request: Req<'consumer.setPreferredLayers'>,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request('consumer.setPreferredLayers', {
      ...participant(s),
      consumerId: request.consumerId,
      layers: {
        spatialLayer: request.spatialLayer,
        ...(request.temporalLayer === undefined ? {} : { temporalLayer: request.temporalLayer }),
      },
    });
    return {};
  }

  async #setProducerPaused(
    socket: SignalingSocket,
    producerId: string,
    paused: boolean,
  ): Promise<Empty> {
    const s = session(socket);
    await (
      await this.routing.node(s.nodeId)
    ).request(paused ? 'producer.pause' : 'producer.resume', {
      ...participant(s),
      producerId,
    });
    if (await this.media.setPaused(s.tenantId, s.roomId, producerId, paused)) {
      const event = paused ? 'producer.paused' : 'producer.resumed';
      this.out.toRoom(
        s.tenantId,
        s.roomId,
        event,
        { producerId, participantId: s.participantId },
        s.participantId,
      );
    }
    return {};
  }
}

/** The socket's session (the pipeline lets only joined sockets reach media requests). */
function session(socket: SignalingSocket): SessionBinding {
  const binding = socket.data.session;
  if (!binding) throw new CascadeError('CONFLICT', 'join the room first (room.join)');
  return binding;
}

function participant(s: SessionBinding) {
  return { tenantId: s.tenantId, roomId: s.roomId, participantId: s.participantId };
}
